import type { Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Queryable, Tx } from '../../platform/storage/index.js';
import { updateInTx } from '../fhir-store/index.js';
import { applyIdentity, recordKey, type DesiredIdentity, type RecordRef } from './patient-person.js';
import { selectMembers, selectStoredPatient, updateRecordVersion, type IndexedRecord } from './store/index.repo.js';

/** The actor the index writes Patients as (its own updates show in history under this client id). */
export const IDENTITY_ACTOR_ID = 'xietong-identity';

function systemContext(tenantId: string, baseUrl: string, requestId: string): RequestContext {
  return { tenantId, actor: { kind: 'system', id: IDENTITY_ACTOR_ID, display: 'Regional patient index' }, scopes: [], requestId, baseUrl };
}

/** What one member of a person should carry: its regional id and links to the others. */
export function desiredIdentity(member: IndexedRecord, members: readonly IndexedRecord[]): DesiredIdentity {
  const key = recordKey(member);
  const others = members.filter((m) => recordKey(m) !== key);
  return {
    regionalId: member.regionalId,
    // A replaced record points only at its replacement; live records point at the other live ones.
    seeAlso: member.replacedBy ? [] : others.filter((m) => !m.replacedBy).map((m) => ({ tenantId: m.tenantId, patientId: m.patientId })),
    replacedBy: member.replacedBy ?? undefined,
    replaces: others.filter((m) => m.replacedBy && recordKey(m.replacedBy) === key).map((m) => ({ tenantId: m.tenantId, patientId: m.patientId })),
  };
}

export interface SyncOptions {
  baseUrl: string;
  requestId: string;
  /** Patient.active to write on particular records (merge / unmerge), by record key. */
  active?: ReadonlyMap<string, boolean>;
}

/**
 * Writes the regional id and `Patient.link` entries onto every Patient of the given persons, through
 * fhir-store's update so history, search index and outbox stay right. A Patient that already carries exactly
 * them is not written, so the fhir.update each write causes comes back as a no-op (no loop).
 * Returns how many Patients were written.
 */
export async function syncPersons(tx: Queryable, regionalIds: readonly string[], options: SyncOptions): Promise<number> {
  const members = await selectMembers(tx, regionalIds);
  const byPerson = new Map<string, IndexedRecord[]>();
  for (const m of members) byPerson.set(m.regionalId, [...(byPerson.get(m.regionalId) ?? []), m]);
  let written = 0;
  for (const group of byPerson.values()) {
    for (const member of group) {
      const want = desiredIdentity(member, group);
      const active = options.active?.get(recordKey(member));
      if (await writeIdentity(tx, member, { ...want, active }, options)) written++;
    }
  }
  return written;
}

/** Applies a desired identity to one stored Patient; false when nothing needed writing. */
export async function writeIdentity(tx: Queryable, ref: RecordRef, want: DesiredIdentity, options: SyncOptions): Promise<boolean> {
  const stored = await selectStoredPatient(tx, ref);
  if (!stored) return false;
  const next: Patient | null = applyIdentity(stored.patient, ref.tenantId, want);
  if (!next) return false;
  // The dispatcher hands consumers a Queryable; fhir-store's writes only run queries on it.
  const result = await updateInTx(tx as Tx, systemContext(ref.tenantId, options.baseUrl, options.requestId), 'Patient', ref.patientId, next);
  if (result.versionId !== undefined) await updateRecordVersion(tx, ref, result.versionId);
  return true;
}
