import type { Bundle, BundleEntry, Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { assertPermission } from '../access/index.js';
import { assertValidResource } from '../fhir-store/index.js';
import { IdentityErrors } from './errors.js';
import { blockingKeys } from './matching/blocking.js';
import { scorePair } from './matching/match-model.js';
import { MAX_BLOCK_SIZE, personOf } from './online-match.service.js';
import { REGIONAL_ID_SYSTEM, recordKey } from './patient-person.js';
import { selectCandidates, selectStoredPatient } from './store/index.repo.js';
import { loadProbeModel } from './store/model.repo.js';

/** https://hl7.org/fhir/R4/extension-match-grade.html */
export const MATCH_GRADE_URL = 'http://hl7.org/fhir/StructureDefinition/match-grade';
export type MatchGrade = 'certain' | 'probable' | 'possible' | 'certainly-not';

const DEFAULT_COUNT = 10;
const GRADE_RANK: Record<MatchGrade, number> = { certain: 3, probable: 2, possible: 1, 'certainly-not': 0 };
const MAX_COUNT = 100;

export interface MatchRequest {
  patient: Patient;
  onlyCertainMatches: boolean;
  count: number;
}

function invalid(text: string, expression: string): HubError {
  return new HubError(IdentityErrors.INVALID_PARAMETERS, text, { expression: [expression] });
}

/**
 * Reads the $match input (https://hl7.org/fhir/R4/patient-operation-match.html): a Parameters with `resource`
 * (a Patient), optional `onlyCertainMatches` (boolean) and `count` (positive integer); a bare Patient is
 * accepted as the `resource` alone. Anything else is 400.
 */
export function parseMatchRequest(body: unknown): MatchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The body must be a Parameters resource', 'Parameters');
  const res = body as { resourceType?: unknown };
  if (res.resourceType === 'Patient') return { patient: body as Patient, onlyCertainMatches: false, count: DEFAULT_COUNT };
  if (res.resourceType !== 'Parameters') throw invalid('The body must be a Parameters resource (or a Patient)', 'resourceType');
  const params = (body as Parameters).parameter;
  if (!Array.isArray(params)) throw invalid('Parameters.parameter must be an array', 'Parameters.parameter');
  const byName = (name: string): ParametersParameter[] => params.filter((p) => p?.name === name);
  const resource = byName('resource');
  if (resource.length !== 1 || resource[0].resource?.resourceType !== 'Patient') {
    throw invalid('Exactly one parameter "resource" holding a Patient is required', 'Parameters.parameter[resource]');
  }
  const only = byName('onlyCertainMatches');
  if (only.length > 1 || (only.length === 1 && typeof only[0].valueBoolean !== 'boolean')) {
    throw invalid('onlyCertainMatches must be one valueBoolean', 'Parameters.parameter[onlyCertainMatches]');
  }
  const count = byName('count');
  const n = count[0]?.valueInteger;
  if (count.length > 1 || (count.length === 1 && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))) {
    throw invalid('count must be one positive valueInteger', 'Parameters.parameter[count]');
  }
  const unknown = params.find((p) => !['resource', 'onlyCertainMatches', 'count'].includes(p?.name));
  if (unknown) throw invalid(`Unknown parameter "${String(unknown?.name)}"`, 'Parameters.parameter');
  return { patient: resource[0].resource as Patient, onlyCertainMatches: only[0]?.valueBoolean ?? false, count: Math.min(n ?? DEFAULT_COUNT, MAX_COUNT) };
}

/** Grades a posterior: certain at the auto-link threshold, probable ≥ 0.5, possible in the review band. */
export function matchGrade(probability: number, thresholds: { link: number; review: number }): MatchGrade {
  if (probability >= thresholds.link) return 'certain';
  if (probability >= 0.5) return 'probable';
  if (probability >= thresholds.review) return 'possible';
  return 'certainly-not';
}

/**
 * Patient/$match across the region. What the caller sees (until consent-based cross-institution access exists):
 * full Patients of its own institution; for another institution's record only that a match exists, as a
 * Patient carrying nothing but the regional id — never that institution's demographics.
 */
export async function matchPatients(q: Queryable, ctx: RequestContext, body: unknown): Promise<Bundle> {
  assertPermission(ctx.scopes, 'Patient', 'r');
  const request = parseMatchRequest(body);
  assertValidResource(request.patient, 'Patient');
  const probe = personOf(request.patient, { tenantId: ctx.tenantId, patientId: '$match' });
  const own = (s: { record: { tenantId: string } }): number => (s.record.tenantId === ctx.tenantId ? 1 : 0);
  const model = await loadProbeModel(q, probe);
  // The probe is not in the index, so a block of exactly MAX_BLOCK_SIZE others is still usable.
  const candidates = await selectCandidates(q, blockingKeys(probe), { tenantId: '', patientId: '' }, MAX_BLOCK_SIZE - 1);
  const scored = candidates
    .filter((c) => !c.replacedBy)
    .map((c) => {
      const s = scorePair(model.model, probe, c.person);
      return { record: c, probability: s.probability, logOdds: s.logOdds, grade: matchGrade(s.probability, model.thresholds) };
    })
    .filter((s) => s.grade !== 'certainly-not' && (!request.onlyCertainMatches || s.grade === 'certain'))
    // Best grade first; within a grade the caller's own records first (the ones it can act on), then by score.
    .sort((x, y) => GRADE_RANK[y.grade] - GRADE_RANK[x.grade] || own(y) - own(x) || y.logOdds - x.logOdds || recordKey(x.record).localeCompare(recordKey(y.record)));

  const entries: BundleEntry[] = [];
  const shownPersons = new Set<string>();
  for (const s of scored) {
    if (entries.length >= request.count) break;
    const search = { mode: 'match' as const, score: Number(s.probability.toFixed(6)), extension: [{ url: MATCH_GRADE_URL, valueCode: s.grade }] };
    if (s.record.tenantId === ctx.tenantId) {
      const stored = await selectStoredPatient(q, s.record);
      if (!stored) continue;
      shownPersons.add(s.record.regionalId);
      entries.push({ fullUrl: `${ctx.baseUrl}/fhir/Patient/${s.record.patientId}`, resource: stored.patient, search });
    } else if (!shownPersons.has(s.record.regionalId)) {
      shownPersons.add(s.record.regionalId);
      entries.push({ resource: { resourceType: 'Patient', identifier: [{ system: REGIONAL_ID_SYSTEM, value: s.record.regionalId }] }, search });
    }
  }
  return { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries };
}
