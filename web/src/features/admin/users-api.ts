import { hubClient } from '../../api/client.js';

/** A user as GET /auth/users shows them. */
export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  institution: { id: string; name: string };
  roles: string[];
  disabled: boolean;
  mfaEnabled: boolean;
  lockedUntil?: string;
  createdAt: string;
}

export const ASSIGNABLE_ROLES = [
  'clinician',
  'nurse',
  'referral-coordinator',
  'institution-admin',
  'regional-analyst',
  'privacy-officer',
  'auditor',
  'regional-admin',
] as const;
/** Only a regional admin grants these (the hub enforces it; the page only hides them). */
export const REGIONAL_ROLES: readonly string[] = ['regional-analyst', 'privacy-officer', 'auditor', 'regional-admin'];

export async function listUsers(text: string): Promise<AdminUser[]> {
  const query = text.trim() ? `?q=${encodeURIComponent(text.trim())}` : '';
  return (await hubClient.send<{ users: AdminUser[] }>('GET', `/auth/users${query}`)).users;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  institution?: string;
}

export function createUser(user: NewUser): Promise<AdminUser> {
  return hubClient.send<AdminUser>('POST', '/auth/users', user);
}

export type UserAction = 'disable' | 'enable' | 'reset-mfa' | 'unlock';

export function runUserAction(id: string, action: UserAction): Promise<AdminUser> {
  return hubClient.send<AdminUser>('POST', `/auth/users/${encodeURIComponent(id)}/${action}`);
}
