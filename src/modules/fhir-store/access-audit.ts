import type { Bundle } from '@medplum/fhirtypes';
import type { FhirInteraction } from '../audit/index.js';

/** Entities named in one AuditEvent; a larger answer is summarised by its query and this many entities. */
const MAX_ENTITIES = 200;

/**
 * The audit record of an answer that returns a Bundle (search, history,
 * $everything): the query and the resources it disclosed, with the patient
 * when the answer is about one (compartment search, $everything).
 */
export function bundleInteraction(interaction: string, url: string, bundle: Bundle, patientId?: string): FhirInteraction {
  const resources: Array<{ type: string; id: string; versionId?: string }> = [];
  let count = 0;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (!r?.id || r.resourceType === 'OperationOutcome') continue;
    count++;
    if (resources.length < MAX_ENTITIES) resources.push({ type: r.resourceType, id: r.id, versionId: r.meta?.versionId });
  }
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  return {
    interaction,
    query,
    resources,
    patientId,
    ...(count > MAX_ENTITIES ? { detail: `${count} resources returned; the first ${MAX_ENTITIES} are named` } : {}),
  };
}
