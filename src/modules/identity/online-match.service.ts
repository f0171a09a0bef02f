import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/storage/index.js';
import { blockingKeys } from './matching/blocking.js';
import { classify, logit, scorePair, type MatchOutcome, type PairScore } from './matching/match-model.js';
import { normalizePerson } from './matching/normalize.js';
import type { PersonRecord } from './matching/person-record.js';
import { businessIdentifiers, patientToPersonInput, recordKey, type RecordRef } from './patient-person.js';
import { syncPersons, writeIdentity, desiredIdentity } from './patient-sync.service.js';
import {
  deleteRecord,
  insertPerson,
  markPersonMerged,
  selectCandidates,
  selectMembers,
  selectRecord,
  selectIdentifiers,
  selectRecords,
  selectStoredPatient,
  setRegionalId,
  upsertRecord,
  updateRecordVersion,
  type IndexedRecord,
} from './store/index.repo.js';
import { loadProbeModel, type ProbeModel } from './store/model.repo.js';
import { selectPairsOf, upsertOpenPair, withdrawOpenPairs, type PairComparison, type PairRow } from './store/pair.repo.js';

/** Blocks larger than this are skipped, as in the batch matcher (DEFAULT_LINK_OPTIONS.maxBlockSize). */
export const MAX_BLOCK_SIZE = 100;

export interface IndexOptions {
  baseUrl: string;
  requestId: string;
  /** Match again even when the person fields did not change (a steward's relink). */
  force?: boolean;
}

export type IndexOutcome = 'indexed' | 'unchanged' | 'removed' | 'absent';

/** A record as the matcher stores it: the normalised person without the run-local index. */
export function personOf(patient: Parameters<typeof patientToPersonInput>[0], ref: RecordRef): PersonRecord {
  return normalizePerson(patientToPersonInput(patient, recordKey(ref), ref.tenantId), 0);
}

/** The model's explanation of a score: level, label and weight per field. */
export function explainScore(probe: ProbeModel, score: PairScore): PairComparison {
  return {
    prior: probe.model.priorLogOdds,
    fields: probe.model.comparators.map((c, f) => ({
      field: c.name,
      level: score.levels[f],
      label: score.levels[f] === 0 ? 'missing' : c.levels[score.levels[f] - 1],
      weight: score.contributions[f],
    })),
  };
}

interface Scored {
  record: IndexedRecord;
  score: PairScore;
  outcome: MatchOutcome;
}

const otherSide = (p: PairRow, self: string): RecordRef => (recordKey(p.a) === self ? p.b : p.a);

/**
 * Picks the person a record joins: a steward's link wins; else the best-scoring candidate at link level whose
 * whole person is compatible — no member kept apart from the record by a steward, none scoring below the
 * cannot-link threshold (so A–B and B–C never silently merge A and C).
 */
async function choosePerson(tx: Queryable, probe: PersonRecord, model: ProbeModel, scored: Scored[], pairs: PairRow[], self: string): Promise<string | null> {
  const keptApart = new Set(pairs.filter((p) => p.status === 'kept-apart').map((p) => recordKey(otherSide(p, self))));
  const stewardLinked = pairs.filter((p) => p.status === 'linked' || p.status === 'merged').map((p) => otherSide(p, self));
  if (stewardLinked.length) {
    const [first] = await selectRecords(tx, stewardLinked);
    if (first) return first.regionalId;
  }
  const cannot = logit(model.thresholds.cannotLink);
  const tried = new Set<string>();
  for (const s of scored) {
    if (s.outcome !== 'link' || tried.has(s.record.regionalId)) continue;
    tried.add(s.record.regionalId);
    const members = (await selectMembers(tx, [s.record.regionalId])).filter((m) => recordKey(m) !== self);
    const compatible = members.every((m) => !keptApart.has(recordKey(m)) && scorePair(model.model, probe, m.person).logOdds >= cannot);
    if (compatible) return s.record.regionalId;
  }
  return null;
}

/**
 * Matches one Patient online against the regional index and records the result: its regional id (the matched
 * person's, else a new one), review pairs for uncertain candidates, and the regional identifier and
 * `Patient.link` entries on every affected Patient. Runs in the caller's transaction (the outbox consumer's).
 */
export async function indexPatient(tx: Queryable, ref: RecordRef, options: IndexOptions): Promise<IndexOutcome> {
  const stored = await selectStoredPatient(tx, ref);
  const existing = await selectRecord(tx, ref, true);
  if (!stored) {
    if (!existing) return 'absent';
    await removeFromIndex(tx, existing, options);
    return 'removed';
  }
  const probe = personOf(stored.patient, ref);
  const identifiers = businessIdentifiers(stored.patient);
  if (!options.force && existing && samePerson(existing.person, probe) && sameIdentifiers(await selectIdentifiers(tx, [ref]), identifiers)) {
    // Same person fields (typically the index's own write coming back): only make sure the Patient still
    // carries its identity, in case a client update dropped it.
    await updateRecordVersion(tx, ref, stored.versionId);
    const members = await selectMembers(tx, [existing.regionalId]);
    const self = members.find((m) => recordKey(m) === recordKey(ref)) ?? existing;
    await writeIdentity(tx, ref, desiredIdentity(self, members), options);
    return 'unchanged';
  }
  const keys = blockingKeys(probe);
  // Until matched, the record keeps its person (or a fresh id that is only stored if it is kept).
  const provisional = existing?.regionalId ?? randomUUID();
  await upsertRecord(tx, { ...ref, versionId: stored.versionId, person: probe, regionalId: provisional }, keys, identifiers);

  const model = await loadProbeModel(tx, probe);
  const candidates = await selectCandidates(tx, keys, ref, MAX_BLOCK_SIZE);
  const scored: Scored[] = candidates
    .map((record) => {
      const score = scorePair(model.model, probe, record.person);
      return { record, score, outcome: classify(score.logOdds, model.thresholds) };
    })
    .sort((x, y) => y.score.logOdds - x.score.logOdds);
  const self = recordKey(ref);
  const pairs = await selectPairsOf(tx, ref);
  const target = await choosePerson(tx, probe, model, scored, pairs, self);

  let regionalId = provisional;
  const oldMembers = existing ? (await selectMembers(tx, [existing.regionalId])).filter((m) => recordKey(m) !== self) : [];
  if (target && target !== provisional) regionalId = target;
  else if (!target && oldMembers.length > 0) regionalId = randomUUID(); // it no longer matches its old person
  await insertPerson(tx, regionalId);
  if (regionalId !== provisional) {
    await setRegionalId(tx, [ref], regionalId);
    if (existing && oldMembers.length === 0) await markPersonMerged(tx, provisional, regionalId);
  }
  await queueReviewPairs(tx, ref, model, scored, pairs, regionalId);
  await syncPersons(tx, [regionalId, ...(existing && existing.regionalId !== regionalId ? [existing.regionalId] : [])], options);
  return 'indexed';
}

/** Compares two normalised records field by field (jsonb does not keep key order). */
function samePerson(a: PersonRecord, b: PersonRecord): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('index');
  for (const k of keys) if ((a as unknown as Record<string, unknown>)[k] !== (b as unknown as Record<string, unknown>)[k]) return false;
  return true;
}

function sameIdentifiers(a: ReadonlyArray<{ system: string; value: string }>, b: ReadonlyArray<{ system: string; value: string }>): boolean {
  const norm = (xs: ReadonlyArray<{ system: string; value: string }>) => [...new Set(xs.map((x) => `${x.system}|${x.value}`))].sort().join('\n');
  return norm(a) === norm(b);
}

/**
 * Candidates in the review band — and link-band candidates of another person the record could not join —
 * become open pairs, unless a steward already decided them; other open pairs of the record are withdrawn.
 */
async function queueReviewPairs(tx: Queryable, ref: RecordRef, model: ProbeModel, scored: Scored[], pairs: PairRow[], regionalId: string): Promise<void> {
  const self = recordKey(ref);
  const decided = new Set(pairs.filter((p) => p.status !== 'open' && p.status !== 'withdrawn').map((p) => recordKey(otherSide(p, self))));
  const keep: string[] = [];
  for (const s of scored) {
    if (s.outcome === 'apart' || s.record.regionalId === regionalId) continue;
    const other = recordKey(s.record);
    if (decided.has(other)) continue;
    keep.push(other);
    await upsertOpenPair(tx, ref, s.record, { probability: s.score.probability, logOdds: s.score.logOdds, comparison: explainScore(model, s.score) });
  }
  await withdrawOpenPairs(tx, ref, keep);
}

/** A deleted Patient leaves the index; the rest of its person loses the link to it. */
async function removeFromIndex(tx: Queryable, rec: IndexedRecord, options: IndexOptions): Promise<void> {
  await withdrawOpenPairs(tx, rec, []);
  await deleteRecord(tx, rec);
  await syncPersons(tx, [rec.regionalId], options);
}
