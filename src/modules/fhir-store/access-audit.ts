import type { Bundle } from '@medplum/fhirtypes';
import type { FhirInteraction } from '../audit/index.js';
import type { SearchsetText } from './search/search.service.js';

/** Entities named in one AuditEvent; a larger answer is summarised by its query and this many entities. */
const MAX_ENTITIES = 200;

/**
 * The audit record of an answer that returns a Bundle (search, history,
 * $everything): the query and the resources it disclosed, with the patient
 * when the answer is about one (compartment search, $everything).
 */
export function bundleInteraction(interaction: string, url: string, bundle: Bundle, patientId?: string): FhirInteraction {
  return answerInteraction(interaction, url, (bundle.entry ?? []).map((entry) => entry.resource), patientId);
}

/** bundleInteraction for a searchset whose matches are still JSON text (the search routes' answer). */
export function searchsetInteraction(interaction: string, url: string, result: SearchsetText, patientId?: string): FhirInteraction {
  const matches = result.matches.map((m) => ({ resourceType: m.resourceType, id: m.id, meta: { versionId: String(m.versionId) } }));
  return answerInteraction(interaction, url, [...matches, ...result.after.map((entry) => entry.resource)], patientId);
}

type Disclosed = { resourceType: string; id?: string; meta?: { versionId?: string } } | undefined;

function answerInteraction(interaction: string, url: string, disclosed: readonly Disclosed[], patientId?: string): FhirInteraction {
  const resources: Array<{ type: string; id: string; versionId?: string }> = [];
  let count = 0;
  for (const r of disclosed) {
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
