import type { Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { IdentityErrors } from './errors.js';
import { CONTACT_COMPARATOR, FIELD_COMPARATORS } from './matching/comparisons.js';
import { recordKey, REGIONAL_ID_SYSTEM, type RecordRef } from './patient-person.js';
import { assertSteward, type StewardReach } from './steward.js';
import { selectRecords, selectStoredPatient, type IndexedRecord } from './store/index.repo.js';
import { selectDecisions, selectOpenPairs, selectPair, type DecisionRow, type PairRow, type PairStatus } from './store/pair.repo.js';

/** The review queue: open pairs for data stewards, and one pair side by side. */

export interface PairSide extends RecordRef {
  institution: string | null;
  regionalId: string | null;
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  identifiers: Array<{ system: string; value: string }>;
  phone: string | null;
  address: string | null;
  /** False when the Patient was deleted since the pair was queued. */
  present: boolean;
}

export interface PairSummary {
  id: string;
  status: PairStatus;
  probability: number;
  createdAt: string;
  a: Pick<PairSide, 'tenantId' | 'patientId' | 'institution' | 'name' | 'birthDate' | 'gender'>;
  b: Pick<PairSide, 'tenantId' | 'patientId' | 'institution' | 'name' | 'birthDate' | 'gender'>;
}

export type Agreement = 'agree' | 'partial' | 'differ' | 'missing';

export interface FieldView {
  field: string;
  label: string;
  level: number;
  agreement: Agreement;
  /** The field's contribution to the log odds: positive speaks for one person, negative against. */
  weight: number;
  a: string | null;
  b: string | null;
}

export interface PairDetail {
  id: string;
  status: PairStatus;
  probability: number;
  logOdds: number;
  /** Prior log odds of a candidate pair; prior + Σ weights = logOdds. */
  prior: number;
  a: PairSide;
  b: PairSide;
  fields: FieldView[];
  decisions: Array<Omit<DecisionRow, 'pairId'>>;
  /** Decisions that apply to the pair now. */
  allowed: string[];
}

/** Decisions each status allows (a closed pair answers 409). */
export const ALLOWED_DECISIONS: Record<PairStatus, string[]> = {
  open: ['link', 'keep-apart', 'merge'],
  linked: ['merge', 'relink'],
  'kept-apart': ['relink'],
  merged: ['unmerge'],
  withdrawn: [],
};

const COMPARATORS = [...FIELD_COMPARATORS, CONTACT_COMPARATOR];

async function institutionNames(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM institutions WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

function describePatient(ref: RecordRef, patient: Patient | null, record: IndexedRecord | undefined, institution: string | null): PairSide {
  const name = patient?.name?.find((n) => n.use === 'official') ?? patient?.name?.[0];
  const nameText = name?.text ?? ([name?.family, ...(name?.given ?? [])].filter(Boolean).join(' ') || null);
  const addr = patient?.address?.[0];
  return {
    ...ref,
    institution,
    regionalId: record?.regionalId ?? null,
    name: nameText,
    gender: patient?.gender ?? null,
    birthDate: patient?.birthDate ?? null,
    identifiers: (patient?.identifier ?? []).filter((i) => i.system && i.value && i.system !== REGIONAL_ID_SYSTEM).map((i) => ({ system: i.system!, value: i.value! })),
    phone: patient?.telecom?.find((t) => t.system === 'phone')?.value ?? null,
    address: addr?.text ?? ([addr?.city, addr?.district, ...(addr?.line ?? [])].filter(Boolean).join(' ') || null),
    present: patient !== null,
  };
}

async function loadSides(q: Queryable, refs: readonly RecordRef[]): Promise<Map<string, PairSide>> {
  const records = new Map((await selectRecords(q, refs)).map((r) => [recordKey(r), r]));
  const names = await institutionNames(q, refs.map((r) => r.tenantId));
  const out = new Map<string, PairSide>();
  for (const ref of refs) {
    if (out.has(recordKey(ref))) continue;
    const stored = await selectStoredPatient(q, ref);
    out.set(recordKey(ref), describePatient(ref, stored?.patient ?? null, records.get(recordKey(ref)), names.get(ref.tenantId) ?? null));
  }
  return out;
}

function canSee(reach: StewardReach, pair: PairRow): boolean {
  return reach.regionWide || pair.a.tenantId === reach.tenantId || pair.b.tenantId === reach.tenantId;
}

/** A pair the steward may act on, or 404 (a pair outside their reach is not revealed). */
export async function loadVisiblePair(q: Queryable, reach: StewardReach, id: string, forUpdate = false): Promise<PairRow> {
  const pair = /^[0-9a-f-]{36}$/i.test(id) ? await selectPair(q, id, forUpdate) : null;
  if (!pair || !canSee(reach, pair)) throw new HubError(IdentityErrors.PAIR_NOT_FOUND, `Identity pair "${id}" not found`);
  return pair;
}

export interface QueueQuery {
  limit?: unknown;
  offset?: unknown;
  sort?: unknown;
}

function intParam(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : /^\d{1,9}$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HubError(IdentityErrors.INVALID_QUERY, `${name} must be an integer from ${min} to ${max}`, { expression: [name] });
  }
  return n;
}

/**
 * Open pairs, highest score first (or newest first with sort=newest), paged. A regional-admin sees the whole
 * region; institution-admins and system clients see the pairs that touch their own institution.
 */
export async function listOpenPairs(db: Db, ctx: RequestContext, query: QueueQuery): Promise<{ total: number; limit: number; offset: number; pairs: PairSummary[] }> {
  const reach = assertSteward(ctx);
  const limit = intParam('limit', query.limit, 20, 1, 100);
  const offset = intParam('offset', query.offset, 0, 0, 1_000_000);
  const sort = query.sort ?? 'score';
  if (sort !== 'score' && sort !== 'newest') throw new HubError(IdentityErrors.INVALID_QUERY, 'sort must be score or newest', { expression: ['sort'] });
  const page = await selectOpenPairs(db, { tenantId: reach.regionWide ? null : reach.tenantId, limit, offset, sort });
  const sides = await loadSides(db, page.pairs.flatMap((p) => [p.a, p.b]));
  const brief = (ref: RecordRef): PairSummary['a'] => {
    const s = sides.get(recordKey(ref))!;
    return { tenantId: s.tenantId, patientId: s.patientId, institution: s.institution, name: s.name, birthDate: s.birthDate, gender: s.gender };
  };
  return {
    total: page.total,
    limit,
    offset,
    pairs: page.pairs.map((p) => ({ id: p.id, status: p.status, probability: p.probability, createdAt: p.createdAt.toISOString(), a: brief(p.a), b: brief(p.b) })),
  };
}

function agreementOf(level: number, levels: number): Agreement {
  if (level === 0) return 'missing';
  if (level === 1) return 'agree';
  return level === levels ? 'differ' : 'partial';
}

/** One pair side by side: both records, the fields that agree and differ, and each field's weight. */
export async function getPairDetail(db: Db, ctx: RequestContext, id: string): Promise<PairDetail> {
  const reach = assertSteward(ctx);
  const pair = await loadVisiblePair(db, reach, id);
  const sides = await loadSides(db, [pair.a, pair.b]);
  const records = new Map((await selectRecords(db, [pair.a, pair.b])).map((r) => [recordKey(r), r]));
  const ra = records.get(recordKey(pair.a));
  const rb = records.get(recordKey(pair.b));
  const fields: FieldView[] = pair.comparison.fields.map((f) => {
    const comparator = COMPARATORS.find((c) => c.name === f.field);
    return {
      field: f.field,
      label: f.label,
      level: f.level,
      agreement: agreementOf(f.level, comparator?.levels.length ?? f.level),
      weight: f.weight,
      a: comparator && ra ? comparator.value(ra.person) : null,
      b: comparator && rb ? comparator.value(rb.person) : null,
    };
  });
  const decisions = (await selectDecisions(db, pair.id)).map(({ pairId: _unused, ...d }) => d);
  return {
    id: pair.id,
    status: pair.status,
    probability: pair.probability,
    logOdds: pair.logOdds,
    prior: pair.comparison.prior,
    a: sides.get(recordKey(pair.a))!,
    b: sides.get(recordKey(pair.b))!,
    fields,
    decisions,
    allowed: ALLOWED_DECISIONS[pair.status],
  };
}
