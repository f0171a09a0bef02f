import type { Bundle, BundleLink } from '@medplum/fhirtypes';
import { getResourceTypes } from '@medplum/core';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { loadFhirDefinitions } from '../../fhir/definitions.js';
import { getPatientCompartment } from './compartment.js';
import { countEverything, selectEverythingPage } from './everything.repo.js';
import { readResource } from './read.service.js';
import { parseDateRange } from './search/date-range.js';
import { SearchErrors } from './search/search-errors.js';

/** Resources outside the compartment that a patient's record points at and that $everything returns too. */
export const EVERYTHING_REFERENCED_TYPES = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication', 'Device'] as const;

export interface EverythingParams {
  _since?: string;
  _type?: string;
  _count?: string;
  _offset?: string;
}

export interface EverythingOptions {
  defaultPageSize: number;
  maxPageSize: number;
  /** Whether the caller may read a type; other types are left out. */
  canRead?: (resourceType: string) => boolean;
}

/**
 * Patient/[id]/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html)
 * for the record held by the caller's institution: the Patient, every resource
 * in its Patient compartment (R4 CompartmentDefinition), and the practitioners,
 * organizations, locations, medications and devices they refer to. `_since`
 * keeps resources updated at or after an instant, `_type` limits the types,
 * `_count` pages (next link). A searchset Bundle with the total.
 */
export async function patientEverything(db: Queryable, ctx: RequestContext, patientId: string, params: EverythingParams, options: EverythingOptions): Promise<Bundle> {
  const patient = await readResource(db, ctx, 'Patient', patientId); // 404 / 410 as a read would
  const compartment = getPatientCompartment();
  const compartmentTypes: string[] = [];
  const compartmentCodes: string[] = [];
  for (const [type, codes] of compartment) {
    for (const code of codes) {
      compartmentTypes.push(type);
      compartmentCodes.push(code);
    }
  }
  const candidates = new Set<string>(['Patient', ...compartment.keys(), ...EVERYTHING_REFERENCED_TYPES]);
  let types = [...candidates];
  if (params._type) types = parseTypes(params._type).filter((t) => candidates.has(t));
  if (options.canRead) types = types.filter((t) => options.canRead!(t));
  const since = params._since ? parseSince(params._since) : undefined;
  const count = params._count === undefined ? options.defaultPageSize : Math.min(parseCount('_count', params._count), options.maxPageSize);
  const offset = params._offset === undefined ? 0 : parseCount('_offset', params._offset);
  const query = {
    tenantId: ctx.tenantId, patientId: patient.id!, compartmentTypes, compartmentCodes,
    referencedTypes: [...EVERYTHING_REFERENCED_TYPES], types, since, count, offset,
  };
  const [page, total] = await Promise.all([selectEverythingPage(db, query), countEverything(db, query)]);
  const base = `${ctx.baseUrl.replace(/\/+$/, '')}/fhir`;
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total };
  bundle.link = buildLinks(`${base}/Patient/${patientId}/$everything`, params, count, offset, page.hasMore);
  if (page.resources.length > 0) {
    bundle.entry = page.resources.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    }));
  }
  return bundle;
}

function buildLinks(url: string, params: EverythingParams, count: number, offset: number, hasMore: boolean): BundleLink[] {
  const link = (at: number): string => {
    const qs = new URLSearchParams();
    if (params._since) qs.set('_since', params._since);
    if (params._type) qs.set('_type', params._type);
    qs.set('_count', String(count));
    if (at > 0) qs.set('_offset', String(at));
    return `${url}?${qs.toString()}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: link(offset) }];
  if (hasMore && count > 0) links.push({ relation: 'next', url: link(offset + count) });
  if (offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
  return links;
}

function invalidParam(name: string, message: string): HubError {
  return new HubError(SearchErrors.INVALID_VALUE, `Invalid parameter '${name}': ${message}`, { expression: [name] });
}

function parseTypes(value: string): string[] {
  loadFhirDefinitions();
  const known = new Set<string>(getResourceTypes());
  const types = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const t of types) if (!known.has(t)) throw invalidParam('_type', `'${t}' is not a resource type`);
  return types;
}

function parseSince(value: string): Date {
  // An instant: a full date-time with a zone (https://hl7.org/fhir/R4/datatypes.html#instant); a date is accepted as its start.
  const range = parseDateRange(value);
  if (!range || !Number.isFinite(range.low)) throw invalidParam('_since', `'${value}' is not an instant`);
  return new Date(range.low);
}

function parseCount(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw invalidParam(name, `'${value}' is not a non-negative integer`);
  return Number(value);
}
