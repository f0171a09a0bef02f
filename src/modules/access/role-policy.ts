import type { Scope } from '../../platform/context/request-context.js';
import { formatScopes, intersectScopes, parseScopes } from './scopes.js';

/**
 * Roles a person can hold (issue 4, "People and sign-in"). `patient` is a
 * person signing in for their own record: the user row names the Patient.
 */
export const USER_ROLES = [
  'clinician',
  'nurse',
  'referral-coordinator',
  'institution-admin',
  'regional-analyst',
  'privacy-officer',
  'auditor',
  'regional-admin',
  'patient',
] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles that act for the whole region rather than one institution: only a regional admin grants them. */
export const REGIONAL_ROLES: readonly UserRole[] = ['regional-analyst', 'privacy-officer', 'auditor', 'regional-admin'];

/** Console pages; the console shows only the pages a role may use, and the server enforces the same limits. */
export const CONSOLE_PAGES = ['overview', 'patients', 'referrals', 'scheduling', 'analytics', 'privacy', 'audit', 'consent', 'users', 'security'] as const;
export type ConsolePage = (typeof CONSOLE_PAGES)[number];

interface RolePolicy {
  /** SMART v2 scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html). */
  scopes: string;
  pages: readonly ConsolePage[];
  /** Why the role gets what it gets: the policy is read by people, not only by code. */
  why: string;
}

const DIRECTORY_READ = 'user/Organization.rs user/Location.rs user/Practitioner.rs user/PractitionerRole.rs user/HealthcareService.rs';
const DIRECTORY_WRITE =
  'user/Organization.crus user/Location.crus user/Practitioner.crus user/PractitionerRole.crus user/HealthcareService.crus ' +
  'user/Schedule.crus user/Slot.crus user/Device.crus';

/**
 * The one table from role to scopes and pages. A person with several roles
 * gets the union. Reading a record across institutions is further narrowed by
 * consent and care relationships (module access, consent*).
 */
export const ROLE_POLICY: Readonly<Record<UserRole, RolePolicy>> = {
  clinician: {
    scopes: 'user/*.cruds',
    pages: ['overview', 'patients', 'referrals', 'scheduling', 'consent', 'security'],
    why: 'treats patients: reads and writes the clinical record',
  },
  nurse: {
    scopes: 'user/*.rs user/Observation.cru user/Task.cru user/MedicationAdministration.cru user/Encounter.u',
    pages: ['overview', 'patients', 'referrals', 'scheduling', 'security'],
    why: 'reads the record, records observations and administrations, works tasks',
  },
  'referral-coordinator': {
    scopes:
      'user/Patient.rs user/ServiceRequest.crus user/Task.crus user/Appointment.crus user/Communication.crs ' +
      `user/DocumentReference.rs user/Schedule.rs user/Slot.rs ${DIRECTORY_READ}`,
    pages: ['overview', 'patients', 'referrals', 'scheduling', 'security'],
    why: 'triages, accepts and schedules referrals; sees who the patient is, not the whole chart',
  },
  'institution-admin': {
    scopes: DIRECTORY_WRITE,
    pages: ['overview', 'scheduling', 'users', 'security'],
    why: "runs the institution's directory, capacity and users; no patient data",
  },
  'regional-analyst': {
    scopes: '',
    pages: ['overview', 'analytics', 'security'],
    why: 'aggregate statistics only: no FHIR scope at all, so no identifiable record',
  },
  'privacy-officer': {
    scopes: 'user/Consent.rs user/AuditEvent.rs user/Patient.rs',
    pages: ['overview', 'privacy', 'audit', 'consent', 'security'],
    why: 'reviews break-the-glass and alerts: needs the audit trail, consents and who the patient is, not the chart',
  },
  auditor: {
    scopes: 'user/AuditEvent.rs',
    pages: ['audit', 'security'],
    why: 'reads and verifies the audit log; no clinical data',
  },
  'regional-admin': {
    scopes: DIRECTORY_WRITE,
    pages: ['overview', 'scheduling', 'users', 'security'],
    why: "runs the region's directory and every institution's users; no patient data",
  },
  patient: {
    scopes: 'patient/*.rs',
    pages: ['consent', 'security'],
    why: 'their own compartment only (patient/*.rs with the Patient in the token), read and search',
  },
};

export function isUserRole(value: unknown): value is UserRole {
  return typeof value === 'string' && (USER_ROLES as readonly string[]).includes(value);
}

/** Unions scope sets: per context and type the permissions merge, and scopes a wildcard covers drop out. */
function unionScopes(sets: readonly Scope[][]): Scope[] {
  const all = sets.flat();
  // Intersecting the union with itself merges duplicates and drops what a wildcard already grants.
  return intersectScopes(all, all);
}

/**
 * SMART v2 scopes granted by a person's roles (the union over the roles;
 * unknown roles grant nothing). An empty string when the roles grant no FHIR access.
 */
export function scopesForRoles(roles: readonly string[]): string {
  const sets = roles.filter(isUserRole).map((role) => parseScopes(ROLE_POLICY[role].scopes));
  return formatScopes(unionScopes(sets));
}

/** Console pages a person's roles may use, in CONSOLE_PAGES order. */
export function pagesForRoles(roles: readonly string[]): ConsolePage[] {
  const allowed = new Set(roles.filter(isUserRole).flatMap((role) => ROLE_POLICY[role].pages));
  return CONSOLE_PAGES.filter((page) => allowed.has(page));
}
