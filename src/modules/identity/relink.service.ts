import type { Patient } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/storage/index.js';
import { blockingKeys } from './matching/blocking.js';
import { clusterWithoutChaining, type LinkEdge } from './matching/clustering.js';
import { buildCandidatePairs } from './matching/blocking.js';
import { DEFAULT_LINK_OPTIONS, linkRecords, scoreOnDemand, ScoredPairs, type LinkResult } from './matching/link-records.js';
import { classify, logit, scorePair } from './matching/match-model.js';
import { normalizePerson } from './matching/normalize.js';
import type { PersonInput, PersonRecord } from './matching/person-record.js';
import { encodeModel } from './model/model-codec.js';
import { explainScore } from './online-match.service.js';
import { businessIdentifiers, patientToPersonInput, recordKey, type RecordRef } from './patient-person.js';
import { syncPersons } from './patient-sync.service.js';
import { insertModel, loadFullModel, type ProbeModel } from './store/model.repo.js';
import { bulkReplaceIndex, selectDecidedPairs, selectPatientPage, selectRegionalIdsByRecord } from './store/relink.repo.js';
import { upsertOpenPair } from './store/pair.repo.js';

export interface RelinkProgress {
  phase: 'reading' | 'matching' | 'writing' | 'patients';
  done: number;
  total: number;
}

export interface RelinkResult {
  records: number;
  persons: number;
  candidatePairs: number;
  reviewPairs: number;
  patientsWritten: number;
  /** The model stored by this run; null when the region was too small to train one (the current model was used). */
  modelId: number | null;
  seconds: { read: number; match: number; write: number; patients: number };
}

const PAGE = 5000;
/** Fewer records than this are scored with the current model instead of training one (EM would not converge on much). */
export const MIN_TRAINING_RECORDS = 1000;

/** linkRecords' first half with a given model: normalise, block, score every candidate pair. */
function scoreWithModel(inputs: readonly PersonInput[], probe: ProbeModel): Pick<LinkResult, 'records' | 'model' | 'pairs'> {
  const records = inputs.map((r, i) => normalizePerson(r, i));
  const candidates = buildCandidatePairs(records, {
    maxBlockSize: DEFAULT_LINK_OPTIONS.maxBlockSize,
    crossSourceOnly: false,
    pairsPerRecord: DEFAULT_LINK_OPTIONS.pairsPerRecord,
  });
  const pairs = new ScoredPairs(candidates.left, candidates.right);
  for (let p = 0; p < candidates.count; p++) {
    const logOdds = scorePair(probe.model, records[candidates.left[p]], records[candidates.right[p]]).logOdds;
    pairs.set(p, logOdds, classify(logOdds, probe.thresholds));
  }
  return { records, model: probe.model, pairs };
}

/**
 * The batch mode (`xietong identity relink`): rebuilds the whole regional index from the stored Patients of
 * every institution — retrains the model by EM, reclusters without chaining, keeps every steward decision (a
 * pair kept apart stays apart, a linked or merged pair stays together), keeps regional ids where a cluster
 * already had one, re-queues uncertain pairs, stores the model for online matching and writes the regional id
 * and links onto every Patient whose identity changed.
 */
export interface RelinkOptions {
  baseUrl: string;
  onProgress?: (p: RelinkProgress) => void;
  /**
   * Only these institutions' records (tests on a shared database, re-checking a subset): the rest of the index
   * is left as it is, and the model trained on the subset is not stored unless `storeModel` says so.
   */
  tenantIds?: readonly string[];
  storeModel?: boolean;
}

export async function relinkAll(db: Db, options: RelinkOptions): Promise<RelinkResult> {
  const scope = options.tenantIds ?? null;
  const storeModel = (options.storeModel ?? scope === null);
  const progress = options.onProgress ?? (() => undefined);
  const t0 = performance.now();
  const refs: RecordRef[] = [];
  const versions: number[] = [];
  const identifiers: Array<Array<{ system: string; value: string }>> = [];
  const inputs: PersonInput[] = [];
  let after: RecordRef | null = null;
  for (;;) {
    const page: Array<RecordRef & { versionId: number; patient: Patient }> = await selectPatientPage(db, after, PAGE, scope);
    for (const row of page) {
      refs.push({ tenantId: row.tenantId, patientId: row.patientId });
      versions.push(row.versionId);
      identifiers.push(businessIdentifiers(row.patient));
      inputs.push(patientToPersonInput(row.patient, recordKey(row), row.tenantId));
    }
    progress({ phase: 'reading', done: refs.length, total: refs.length });
    if (page.length < PAGE) break;
    after = page[page.length - 1];
  }
  const t1 = performance.now();
  progress({ phase: 'matching', done: 0, total: refs.length });
  // EM needs a region's worth of records; a small one is scored with the model it already has.
  const trained = refs.length >= MIN_TRAINING_RECORDS;
  const result = trained ? linkRecords(inputs, DEFAULT_LINK_OPTIONS) : scoreWithModel(inputs, await loadFullModel(db));
  const indexOf = new Map(refs.map((r, i) => [recordKey(r), i]));
  const decided = await selectDecidedPairs(db);
  const apart = new Set<string>();
  const together: LinkEdge[] = [];
  const pairCode = (i: number, j: number): string => (i < j ? `${i}:${j}` : `${j}:${i}`);
  for (const d of decided) {
    const i = indexOf.get(recordKey(d.a));
    const j = indexOf.get(recordKey(d.b));
    if (i === undefined || j === undefined) continue;
    if (d.status === 'kept-apart') apart.add(pairCode(i, j));
    else together.push({ left: Math.min(i, j), right: Math.max(i, j), logOdds: Number.MAX_VALUE });
  }
  // Recluster with the decisions: steward links first (strongest), and a kept-apart pair as a cannot-link.
  const edges = [...together, ...result.pairs.withOutcome('link').filter((p) => !apart.has(pairCode(p.left, p.right)))];
  const scored = scoreOnDemand(result.model, result.records, result.pairs, 'dedup');
  const pairLogOdds = (i: number, j: number): number => (apart.has(pairCode(i, j)) ? Number.NEGATIVE_INFINITY : scored(i, j));
  const clusters = clusterWithoutChaining(refs.length, edges, pairLogOdds, logit(DEFAULT_LINK_OPTIONS.thresholds.cannotLink));
  progress({ phase: 'matching', done: refs.length, total: refs.length });
  const t2 = performance.now();

  // Keep a cluster's existing regional id (the one most of its records had) when no other cluster took it.
  const oldIds = await selectRegionalIdsByRecord(db, scope);
  const regionalOf = assignRegionalIds(refs, clusters.clusterOf, oldIds);
  const decidedCodes = new Set(decided.map((d) => pairCode(indexOf.get(recordKey(d.a)) ?? -1, indexOf.get(recordKey(d.b)) ?? -2)));
  const review = result.pairs.withOutcome('link', 'review').filter((p) => clusters.clusterOf[p.left] !== clusters.clusterOf[p.right] && !decidedCodes.has(pairCode(p.left, p.right)));
  const { stored, terms } = encodeModel(result.model, DEFAULT_LINK_OPTIONS.thresholds);
  let modelId: number | null = null;
  await db.transaction(async (tx) => {
    if (storeModel && trained) modelId = await insertModel(tx, stored, terms, { records: refs.length, candidatePairs: result.pairs.count });
    await bulkReplaceIndex(
      tx,
      refs.map((r, i) => ({ ...r, versionId: versions[i], person: strip(result.records[i]), regionalId: regionalOf[i], keys: blockingKeys(result.records[i]), identifiers: identifiers[i] })),
      (done) => progress({ phase: 'writing', done, total: refs.length }),
      scope,
    );
    // Uncertain pairs are re-queued from this run; a pair no longer uncertain leaves the queue.
    await tx.query(
      `UPDATE identity_pairs SET status = 'withdrawn', updated_at = now()
        WHERE status = 'open' AND ($1::text[] IS NULL OR (a_tenant_id = ANY($1::text[]) AND b_tenant_id = ANY($1::text[])))`,
      [scope],
    );
    for (const p of review) {
      const s = scorePair(result.model, result.records[p.left], result.records[p.right]);
      await upsertOpenPair(tx, refs[p.left], refs[p.right], { probability: s.probability, logOdds: s.logOdds, comparison: explainScore({ modelId: null, model: result.model, thresholds: DEFAULT_LINK_OPTIONS.thresholds }, s) });
    }
  });
  const t3 = performance.now();
  const persons = [...new Set(regionalOf)];
  let patientsWritten = 0;
  for (let i = 0; i < persons.length; i += 500) {
    const chunk = persons.slice(i, i + 500);
    patientsWritten += await db.transaction((tx) => syncPersons(tx, chunk, { baseUrl: options.baseUrl, requestId: `relink-${modelId}` }));
    progress({ phase: 'patients', done: Math.min(i + 500, persons.length), total: persons.length });
  }
  const t4 = performance.now();
  return {
    records: refs.length,
    persons: persons.length,
    candidatePairs: result.pairs.count,
    reviewPairs: review.length,
    patientsWritten,
    modelId,
    seconds: { read: (t1 - t0) / 1000, match: (t2 - t1) / 1000, write: (t3 - t2) / 1000, patients: (t4 - t3) / 1000 },
  };
}

/** The stored form of a record: the same fields online matching writes (index 0, like personOf). */
function strip(r: PersonRecord): PersonRecord {
  return { ...r, index: 0 };
}

function assignRegionalIds(refs: readonly RecordRef[], clusterOf: Int32Array, oldIds: ReadonlyMap<string, string>): string[] {
  const votes = new Map<number, Map<string, number>>();
  refs.forEach((r, i) => {
    const old = oldIds.get(recordKey(r));
    if (!old) return;
    const v = votes.get(clusterOf[i]) ?? new Map<string, number>();
    v.set(old, (v.get(old) ?? 0) + 1);
    votes.set(clusterOf[i], v);
  });
  const taken = new Set<string>();
  const chosen = new Map<number, string>();
  // Bigger clusters choose first, so a split person's id stays with its larger part.
  const order = [...votes.entries()].sort((x, y) => Math.max(...y[1].values()) - Math.max(...x[1].values()));
  for (const [cluster, v] of order) {
    const best = [...v.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).find(([id]) => !taken.has(id));
    if (best) {
      taken.add(best[0]);
      chosen.set(cluster, best[0]);
    }
  }
  return refs.map((_r, i) => {
    let id = chosen.get(clusterOf[i]);
    if (!id) {
      id = randomUUID();
      chosen.set(clusterOf[i], id);
    }
    return id;
  });
}
