import { tryGetDataType } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../../fhir/definitions.js';

/** The tag a server puts on a resource it returns incomplete (https://hl7.org/fhir/R4/search.html#summary). */
export const SUBSETTED: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

export interface Subsetting {
  summary?: 'true' | 'text' | 'data';
  elements?: readonly string[];
}

/**
 * Returns the resource reduced as `_summary` / `_elements` ask, tagged
 * SUBSETTED; the stored resource is not touched.
 * - `true`: the elements marked isSummary in the R4 definitions;
 * - `text`: text, id, meta and the mandatory top-level elements;
 * - `data`: everything but text;
 * - `_elements`: the listed top-level elements plus id, meta and the mandatory ones
 *   (servers SHOULD return mandatory elements, https://hl7.org/fhir/R4/search.html#elements).
 */
export function subsetResource(resource: Resource, request: Subsetting): Resource {
  if (!request.summary && !request.elements) return resource;
  loadFhirDefinitions();
  const schema = tryGetDataType(resource.resourceType);
  const mandatory = schema?.mandatoryProperties ?? new Set<string>();
  let keep: (name: string) => boolean;
  if (request.summary === 'data') keep = (name) => name !== 'text';
  else if (request.summary === 'text') keep = (name) => name === 'text' || name === 'id' || name === 'meta' || matches(name, mandatory);
  else if (request.summary === 'true') {
    const summary = schema?.summaryProperties ?? new Set<string>(['id', 'meta']);
    keep = (name) => matches(name, summary);
  } else {
    const wanted = new Set(request.elements);
    keep = (name) => name === 'id' || name === 'meta' || matches(name, wanted) || matches(name, mandatory);
  }
  const out: Record<string, unknown> = { resourceType: resource.resourceType };
  for (const [name, value] of Object.entries(resource)) {
    if (name !== 'resourceType' && keep(name)) out[name] = value;
  }
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []).filter((t) => !(t.system === SUBSETTED.system && t.code === SUBSETTED.code)), SUBSETTED];
  out.meta = meta;
  return out as unknown as Resource;
}

/**
 * A JSON property belongs to an element name: itself, its primitive extension
 * `_name`, or a choice-type form (`valueQuantity` for `value`).
 */
function matches(property: string, names: ReadonlySet<string>): boolean {
  const name = property.startsWith('_') ? property.slice(1) : property;
  if (names.has(name)) return true;
  // Try every split point: `valueCodeableConcept` → value + CodeableConcept.
  for (let i = 1; i < name.length; i++) {
    if (name[i]! >= 'A' && name[i]! <= 'Z' && names.has(name.slice(0, i))) return true;
  }
  return false;
}
