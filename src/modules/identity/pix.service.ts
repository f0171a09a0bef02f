import type { Identifier, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { assertPermission } from '../access/index.js';
import { IdentityErrors } from './errors.js';
import { REGIONAL_ID_SYSTEM, isNationalIdentifier } from './patient-person.js';
import { identifierSystemKnown, resolveRegionalId, selectByIdentifier, selectIdentifiers, selectMembers, selectRecords } from './store/index.repo.js';

export interface PixQuery {
  sourceIdentifier?: unknown;
  targetSystem?: unknown;
}

function parseToken(raw: unknown): { system: string; value: string } {
  if (typeof raw !== 'string') throw new HubError(IdentityErrors.INVALID_QUERY, 'sourceIdentifier is required, as system|value, exactly once', { expression: ['sourceIdentifier'] });
  const bar = raw.indexOf('|');
  const system = raw.slice(0, bar);
  const value = raw.slice(bar + 1);
  if (bar <= 0 || !value) throw new HubError(IdentityErrors.INVALID_QUERY, 'sourceIdentifier must be system|value with both parts', { expression: ['sourceIdentifier'] });
  return { system, value };
}

function parseTargetSystems(raw: unknown): string[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const out = list.flatMap((x) => (typeof x === 'string' ? x.split(',') : [''])).map((s) => s.trim());
  if (out.some((s) => !s)) throw new HubError(IdentityErrors.INVALID_QUERY, 'targetSystem must be a non-empty URI', { expression: ['targetSystem'] });
  return out;
}

/**
 * PIXm cross-reference (IHE ITI-83, `Patient/$ihe-pix`): given one institution's identifier, the identifiers
 * and Patients of the same person at the other institutions. Visibility as in $match: the caller's own
 * Patients come with a targetId reference and all their identifiers; another institution's records give only
 * their institution-assigned identifiers (never national ids such as the resident id or a passport), and the
 * regional id. Errors follow ITI-83: an unknown source system is 400, an unknown patient 404, an unknown
 * target system 403.
 */
export async function crossReference(q: Queryable, ctx: RequestContext, query: PixQuery): Promise<Parameters> {
  assertPermission(ctx.scopes, 'Patient', 'r');
  const source = parseToken(query.sourceIdentifier);
  const targets = parseTargetSystems(query.targetSystem);
  for (const t of targets) {
    if (t !== REGIONAL_ID_SYSTEM && !(await identifierSystemKnown(q, t))) {
      throw new HubError(IdentityErrors.TARGET_SYSTEM_UNKNOWN, `targetSystem "${t}" is not an identifier system of this region`, { expression: ['targetSystem'] });
    }
  }
  let sourceRecords = await selectByIdentifier(q, source.system, source.value);
  let regionalIds: string[];
  if (source.system === REGIONAL_ID_SYSTEM) {
    const resolved = await resolveRegionalId(q, source.value);
    regionalIds = resolved ? [resolved] : [];
  } else {
    if (sourceRecords.length === 0 && !(await identifierSystemKnown(q, source.system))) {
      throw new HubError(IdentityErrors.SOURCE_SYSTEM_UNKNOWN, `sourceIdentifier system "${source.system}" is not known in this region`, { expression: ['sourceIdentifier'] });
    }
    regionalIds = [...new Set((await selectRecords(q, sourceRecords)).map((r) => r.regionalId))];
  }
  const members = await selectMembers(q, regionalIds);
  if (members.length === 0) throw new HubError(IdentityErrors.SOURCE_NOT_FOUND, `No patient with identifier ${source.system}|${source.value}`);
  if (source.system === REGIONAL_ID_SYSTEM) sourceRecords = [];

  const wanted = (system: string): boolean => targets.length === 0 || targets.includes(system);
  const parameter: ParametersParameter[] = [];
  const seen = new Set<string>();
  const addIdentifier = (id: Identifier): void => {
    const key = `${id.system}|${id.value}`;
    if (seen.has(key) || (id.system === source.system && id.value === source.value) || !wanted(id.system!)) return;
    seen.add(key);
    parameter.push({ name: 'targetIdentifier', valueIdentifier: id });
  };
  for (const rid of new Set(members.map((m) => m.regionalId))) addIdentifier({ use: 'secondary', system: REGIONAL_ID_SYSTEM, value: rid });
  const identifiers = await selectIdentifiers(q, members);
  for (const m of members) {
    const own = m.tenantId === ctx.tenantId;
    for (const i of identifiers.filter((x) => x.tenantId === m.tenantId && x.patientId === m.patientId)) {
      const id: Identifier = { system: i.system, value: i.value };
      if (!own && isNationalIdentifier(id)) continue;
      addIdentifier(id);
    }
    if (own && targets.length === 0) {
      parameter.push({ name: 'targetId', valueReference: { reference: `${ctx.baseUrl}/fhir/Patient/${m.patientId}` } });
    }
  }
  return { resourceType: 'Parameters', parameter };
}
