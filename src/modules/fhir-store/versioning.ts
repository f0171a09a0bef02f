import type { Resource } from '@medplum/fhirtypes';
import { HubError } from '../../platform/errors/index.js';
import { FhirErrors } from './errors.js';

/** Parses an ETag / If-Match value (`W/"3"`, `"3"`, `3`) into a version number. */
export function parseVersionTag(value: string): number {
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(value);
  if (!match) throw new HubError(FhirErrors.INVALID_IF_MATCH, `If-Match "${value}" is not a version ETag like W/"3"`);
  return Number(match[1]);
}

export function formatEtag(versionId: number | string): string {
  return `W/"${versionId}"`;
}

/** Stamps id, versionId and lastUpdated into a copy of the resource, keeping other meta (profile, tag, security, source). */
export function stampMeta<T extends Resource>(resource: T, id: string, versionId: number, lastUpdated: Date): T {
  return {
    ...resource,
    id,
    meta: { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
  };
}
