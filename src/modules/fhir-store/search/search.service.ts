import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { buildOutcome } from '../../../fhir/outcome.js';
import type { RequestContext } from '../../../platform/context/request-context.js';
import { HubError } from '../../../platform/errors/index.js';
import type { Queryable } from '../../../platform/storage/index.js';
import { getCompartmentParams } from '../compartment.js';
import { resolveIncludes } from './include.service.js';
import { joinedTypes } from './filter-parser.js';
import { parseSearchQuery, type Filter, type ParsedSearch } from './query-parser.js';
import { subsetResource } from './subsetting.js';
import { SearchErrors } from './search-errors.js';
import { countSearchMatches, selectSearchPage, selectSearchPageText } from './search.repo.js';

/** Query parameters as parsed from a URL or a form body: repeats become arrays. */
export type SearchQuery = Record<string, string | string[]>;

export interface SearchOptions {
  defaultPageSize: number;
  maxPageSize: number;
  /** Strict handling (Prefer: handling=strict): unknown parameters are a 400. */
  strict?: boolean;
  /** Whether the caller may read a type: included resources of other types are left out. */
  canRead?: (resourceType: string) => boolean;
  /** Throws when the caller may not search a type reached through a chain or _has (they reveal its contents). */
  assertSearchable?: (resourceType: string) => void;
  /** Compartment search (`Patient/123/Observation`): only resources in that compartment. */
  compartment?: { type: string; id: string };
}

/** A searchset whose matches are still the stored JSON text (see searchResourcesText). */
export interface SearchsetText {
  /** The Bundle without its entries (resourceType, type, total, link). */
  bundle: Bundle;
  /**
   * The matches in order, each as JSON text: stored, or subsetted by _summary / _elements. `resource` is the
   * same match as an object when the search had to parse it anyway (subsetting, _include / _revinclude).
   */
  matches: Array<{ fullUrl: string; resourceType: string; id: string; versionId: number; json: string; resource?: Resource }>;
  /** Entries after the matches: included resources, then the OperationOutcome of ignored parameters. */
  after: BundleEntry[];
}

/**
 * Runs a FHIR search for one resource type in the caller's tenant and returns
 * a searchset Bundle with paging links (https://hl7.org/fhir/R4/search.html).
 *
 * `total` is given only with `_total=accurate|estimate` or `_summary=count`
 * (or when the first page already holds every match): counting every match
 * costs as much as the search itself on large results, and R4 lets the
 * server omit it. Unknown parameters are ignored and reported in an
 * OperationOutcome entry (search.mode `outcome`) unless `options.strict`.
 * `_include` / `_revinclude` add entries with search.mode `include`;
 * `_summary` / `_elements` reduce the matches and tag them SUBSETTED.
 */
export async function searchResources(
  db: Queryable,
  ctx: RequestContext,
  resourceType: string,
  query: SearchQuery,
  options: SearchOptions,
): Promise<Bundle> {
  const result = await searchResourcesText(db, ctx, resourceType, query, options);
  const entries: BundleEntry[] = [
    ...result.matches.map((match): BundleEntry => ({ fullUrl: match.fullUrl, resource: match.resource ?? (JSON.parse(match.json) as Resource), search: { mode: 'match' } })),
    ...result.after,
  ];
  return entries.length > 0 ? { ...result.bundle, entry: entries } : result.bundle;
}

/**
 * searchResources for the HTTP answer: the matches stay the JSON text the
 * database returned, spliced into the response by `searchsetJson` instead of
 * parsed and serialised again (for a page of 20 Patients that was a fifth of
 * the hub's time per search). Only `_summary` / `_elements` and
 * `_include` / `_revinclude` parse them.
 */
export async function searchResourcesText(
  db: Queryable,
  ctx: RequestContext,
  resourceType: string,
  query: SearchQuery,
  options: SearchOptions,
): Promise<SearchsetText> {
  const base = `${ctx.baseUrl.replace(/\/+$/, '')}/fhir`;
  const compartmentFilter = options.compartment ? [buildCompartmentFilter(options.compartment, resourceType)] : [];
  const search = parseSearchQuery(resourceType, query, { ...options, baseUrl: ctx.baseUrl }, compartmentFilter);
  if (options.assertSearchable) for (const type of joinedTypes(search.filters)) options.assertSearchable(type);
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };

  let matches: SearchsetText['matches'] = [];
  const after: BundleEntry[] = [];
  let hasMore = false;
  if (search.summaryCount) {
    bundle.total = await countSearchMatches(db, ctx.tenantId, search);
  } else {
    const page = await selectSearchPageText(db, ctx.tenantId, search);
    hasMore = page.hasMore;
    const subsetting = Boolean(search.summary || search.elements);
    const needObjects = subsetting || search.include.length > 0 || search.revinclude.length > 0;
    const resources = needObjects ? page.matches.map((match) => JSON.parse(match.json) as Resource) : [];
    matches = page.matches.map((match, i) => {
      const resource = subsetting ? subsetResource(resources[i]!, { summary: search.summary, elements: search.elements }) : resources[i];
      return {
        fullUrl: `${base}/${resourceType}/${match.id}`,
        resourceType,
        id: match.id,
        versionId: match.versionId,
        json: subsetting ? JSON.stringify(resource) : match.json,
        ...(resource ? { resource } : {}),
      };
    });
    // A first page that holds every match knows the total for free: give it even unasked.
    if (search.offset === 0 && !hasMore) bundle.total = matches.length;
    else if (search.total !== 'none') bundle.total = await countSearchMatches(db, ctx.tenantId, search);
    if (search.include.length > 0 || search.revinclude.length > 0) {
      const included = await resolveIncludes(db, ctx.tenantId, resources, { include: search.include, revinclude: search.revinclude, canRead: options.canRead });
      for (const resource of included.resources) {
        after.push({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'include' } });
      }
      search.issues.push(...included.issues);
    }
  }

  const path = options.compartment ? `${options.compartment.type}/${options.compartment.id}/${resourceType}` : resourceType;
  bundle.link = buildLinks(`${base}/${path}`, search, hasMore);
  if (search.issues.length > 0) {
    after.push({ resource: buildOutcome(search.issues), search: { mode: 'outcome' } });
  }
  return { bundle, matches, after };
}

/** The JSON text of a searchset: the Bundle's fields, then the match entries spliced in as stored, then the rest. */
export function searchsetJson(result: SearchsetText): string {
  const head = JSON.stringify(result.bundle);
  const entries = [
    ...result.matches.map((match) => `{"fullUrl":${JSON.stringify(match.fullUrl)},"resource":${match.json},"search":{"mode":"match"}}`),
    ...result.after.map((entry) => JSON.stringify(entry)),
  ];
  return entries.length > 0 ? `${head.slice(0, -1)},"entry":[${entries.join(',')}]}` : head;
}

/** The filter of a compartment search; a type outside the compartment is a 400. */
function buildCompartmentFilter(compartment: { type: string; id: string }, resourceType: string): Filter {
  const codes = getCompartmentParams(compartment.type, resourceType);
  if (!codes) {
    throw new HubError(SearchErrors.INVALID_VALUE, `${resourceType} is not in the ${compartment.type} compartment`, { expression: [resourceType] });
  }
  return { kind: 'compartment', codes: [...codes], targetType: compartment.type, targetId: compartment.id };
}

/** self shows only the applied parameters; next and previous move the offset (kept opaque as `_offset`). */
function buildLinks(url: string, search: ParsedSearch, hasMore: boolean): BundleLink[] {
  const link = (offset: number): string => {
    const params = new URLSearchParams(search.applied);
    if (offset > 0) params.set('_offset', String(offset));
    const qs = params.toString();
    return qs ? `${url}?${qs}` : url;
  };
  const links: BundleLink[] = [{ relation: 'self', url: link(search.offset) }];
  if (search.summaryCount) return links;
  if (hasMore) links.push({ relation: 'next', url: link(search.offset + search.count) });
  if (search.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, search.offset - search.count)) });
  return links;
}

/**
 * Finds the current resources of a tenant matching search criteria given as a
 * query string (`identifier=sys|val&active=true`), for conditional create,
 * update, delete and conditional references. Returns at most `limit` matches.
 * Criteria are parsed strictly: an unknown or unsupported parameter is a 400,
 * since ignoring it would widen the match; criteria that filter nothing are a 400.
 */
export async function findMatchingResources(
  db: Queryable,
  tenantId: string,
  resourceType: string,
  criteria: string,
  limit: number,
): Promise<Resource[]> {
  const queryString = criteria.includes('?') ? criteria.slice(criteria.indexOf('?') + 1) : criteria;
  const query: SearchQuery = {};
  for (const [key, value] of new URLSearchParams(queryString)) {
    const prev = query[key];
    query[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  const search = parseSearchQuery(resourceType, query, { defaultPageSize: limit, maxPageSize: limit, strict: true, baseUrl: '' });
  if (search.filters.length === 0) {
    throw new HubError(SearchErrors.EMPTY_CRITERIA, `The criteria '${criteria}' select no search parameter`);
  }
  const page = await selectSearchPage(db, tenantId, { ...search, count: limit, offset: 0, sort: [] });
  return page.resources;
}
