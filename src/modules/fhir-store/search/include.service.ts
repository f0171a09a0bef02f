import type { Resource } from '@medplum/fhirtypes';
import type { IssueInput } from '../../../fhir/outcome.js';
import type { Queryable } from '../../../platform/storage/index.js';
import { selectIncludedTargets, selectRevIncluded } from './include.repo.js';
import type { IncludeSpec } from './query-parser.js';

/** Included resources per search page: a bound on the work one request can cause. */
export const MAX_INCLUDED = 1000;
/** Rounds of `:iterate` after the first. */
const MAX_ITERATIONS = 4;

export interface IncludeRequest {
  include: readonly IncludeSpec[];
  revinclude: readonly IncludeSpec[];
  /** Drops (and does not follow) resources of types the caller may not read. */
  canRead?: (resourceType: string) => boolean;
}

export interface IncludeResult {
  resources: Resource[];
  issues: IssueInput[];
}

const key = (r: Resource): string => `${r.resourceType}/${r.id}`;

/**
 * Resolves `_include` and `_revinclude` for one page of matches
 * (https://hl7.org/fhir/R4/search.html#include). The first round applies every
 * spec to the matches; each further round applies the `:iterate` specs to the
 * resources the previous round added, until nothing new is found. Matches are
 * never repeated as included resources. Exported for the bundle processor too.
 */
export async function resolveIncludes(db: Queryable, tenantId: string, matches: readonly Resource[], request: IncludeRequest): Promise<IncludeResult> {
  const seen = new Set(matches.map(key));
  const included: Resource[] = [];
  const issues: IssueInput[] = [];
  let frontier: readonly Resource[] = matches;
  for (let round = 0; frontier.length > 0 && round <= MAX_ITERATIONS; round++) {
    const include = round === 0 ? request.include : request.include.filter((s) => s.iterate);
    const revinclude = round === 0 ? request.revinclude : request.revinclude.filter((s) => s.iterate);
    if (include.length === 0 && revinclude.length === 0) break;
    const found: Resource[] = [];
    const room = (): number => MAX_INCLUDED - included.length - found.length + 1;
    for (const spec of include) {
      const ids = frontier.filter((r) => r.resourceType === spec.sourceType).map((r) => r.id!);
      if (ids.length > 0) found.push(...(await selectIncludedTargets(db, tenantId, spec, ids, room())));
    }
    for (const spec of revinclude) {
      const refs = frontier.filter((r) => !spec.targetType || r.resourceType === spec.targetType).map(key);
      if (refs.length > 0) found.push(...(await selectRevIncluded(db, tenantId, spec, refs, room())));
    }
    const added: Resource[] = [];
    for (const resource of found) {
      const k = key(resource);
      if (seen.has(k) || (request.canRead && !request.canRead(resource.resourceType))) continue;
      seen.add(k);
      if (included.length >= MAX_INCLUDED) {
        issues.push({ code: 'processing', severity: 'warning', text: `More than ${MAX_INCLUDED} included resources; the rest were left out`, expression: ['_include'] });
        return { resources: included, issues };
      }
      included.push(resource);
      added.push(resource);
    }
    frontier = added;
  }
  return { resources: included, issues };
}
