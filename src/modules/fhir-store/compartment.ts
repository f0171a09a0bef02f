import type { Resource } from '@medplum/fhirtypes';

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
