import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { RequestContext } from '../../../platform/context/request-context.js';
import type { Queryable } from '../../../platform/storage/index.js';

/** Query parameters as parsed from a URL or a form body: repeats become arrays. */
export type SearchQuery = Record<string, string | string[]>;

export interface SearchOptions {
  defaultPageSize: number;
  maxPageSize: number;
  /** Strict handling (Prefer: handling=strict): unknown parameters are a 400. */
  strict?: boolean;
}

/** Runs a FHIR search for one resource type in the caller's tenant and returns a searchset Bundle with paging links. */
export async function searchResources(
  _db: Queryable,
  _ctx: RequestContext,
  _resourceType: string,
  _query: SearchQuery,
  _options: SearchOptions,
): Promise<Bundle> {
  throw new Error('searchResources: not implemented yet');
}

/**
 * Finds the current resources of a tenant matching search criteria given as a
 * query string (`identifier=sys|val&active=true`), for conditional create,
 * update, delete and conditional references. Returns at most `limit` matches.
 */
export async function findMatchingResources(
  _db: Queryable,
  _tenantId: string,
  _resourceType: string,
  _criteria: string,
  _limit: number,
): Promise<Resource[]> {
  throw new Error('findMatchingResources: not implemented yet');
}
