import { randomUUID } from 'node:crypto';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { findInstitution } from './client.repo.js';
import { AccessErrors } from './errors.js';
import { hashPassword } from './password.js';
import { USER_ROLES } from './role-policy.js';
import { insertUser, patientExists } from './user.repo.js';

export { USER_ROLES, scopesForRoles, type UserRole } from './role-policy.js';

const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]{2,63}$/;
export const MIN_PASSWORD_LENGTH = 8;
/** Bounds the work an attacker can force per sign-in attempt. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface CreateUserInput {
  tenantId: string;
  username: string;
  displayName: string;
  password: string;
  roles: readonly string[];
  demo?: boolean;
  /** Required with role `patient` (and only then): the Patient record, in `tenantId`, this person is. */
  patientId?: string;
  /** A ready scrypt hash of `password` (demo users share one password, so it is hashed once). */
  passwordHash?: string;
}

/** Usernames are case-insensitive: stored and looked up lower-case, NFKC-normalised. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function invalid(message: string, field: string): HubError {
  return new HubError(AccessErrors.INVALID_USER, message, { expression: [field] });
}

/**
 * Creates a person who signs in with a password, stored as a scrypt hash
 * (see password.ts). Throws ACCESS_INVALID_USER for bad input,
 * ACCESS_UNKNOWN_TENANT, or ACCESS_USERNAME_TAKEN (409).
 */
export async function createUser(db: Queryable, input: CreateUserInput): Promise<{ id: string; username: string }> {
  const username = typeof input.username === 'string' ? normalizeUsername(input.username) : '';
  if (!USERNAME_RE.test(username)) {
    throw invalid('username must be 3 to 64 characters: letters, digits and . _ @ -, starting with a letter or digit', 'username');
  }
  const displayName = typeof input.displayName === 'string' ? input.displayName.trim() : '';
  if (displayName.length === 0 || displayName.length > 200) throw invalid('displayName must be 1 to 200 characters', 'displayName');
  if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) {
    throw invalid(`password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, 'password');
  }
  if (!Array.isArray(input.roles) || input.roles.length === 0) throw invalid('roles must name at least one role', 'roles');
  const unknownRole = input.roles.find((role) => !(USER_ROLES as readonly string[]).includes(role));
  if (unknownRole !== undefined) throw invalid(`Unknown role "${String(unknownRole)}"; known roles: ${USER_ROLES.join(', ')}`, 'roles');
  if (typeof input.tenantId !== 'string' || !(await findInstitution(db, input.tenantId))) {
    throw new HubError(AccessErrors.UNKNOWN_TENANT, `No institution with id "${String(input.tenantId)}"`, { expression: ['tenantId'] });
  }
  const isPatient = input.roles.includes('patient');
  if (isPatient && input.roles.length > 1) throw invalid('The role patient cannot be combined with staff roles', 'roles');
  if (isPatient !== (input.patientId !== undefined)) {
    throw invalid(isPatient ? 'A user with role patient must name their Patient record (patientId)' : 'patientId is only for the role patient', 'patientId');
  }
  if (isPatient && (typeof input.patientId !== 'string' || !(await patientExists(db, input.tenantId, input.patientId)))) {
    throw invalid(`No Patient/${String(input.patientId)} in institution ${input.tenantId}`, 'patientId');
  }
  const id = randomUUID();
  const inserted = await insertUser(db, {
    tenant_id: input.tenantId,
    id,
    username,
    display_name: displayName,
    password_hash: input.passwordHash ?? (await hashPassword(input.password)),
    roles: [...new Set(input.roles)],
    demo: input.demo ?? false,
    patient_tenant_id: isPatient ? input.tenantId : null,
    patient_id: isPatient ? (input.patientId ?? null) : null,
  });
  if (!inserted) throw new HubError(AccessErrors.USERNAME_TAKEN, `The username "${username}" is already taken`, { expression: ['username'] });
  return { id, username };
}
