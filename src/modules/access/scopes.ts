import type { Scope } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const V1_PERMS: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE_RE = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/;

/**
 * Parses SMART scopes (v2 `system/Patient.rs`, `system/*.cruds`, and v1
 * `system/*.read|write|*`). Non-resource scopes (openid, launch, …) are ignored.
 * https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
export function parseScopes(scopeString: string): Scope[] {
  const scopes: Scope[] = [];
  for (const raw of scopeString.split(/\s+/).filter(Boolean)) {
    const match = SCOPE_RE.exec(raw);
    if (!match) continue;
    const [, context, resourceType, perms] = match;
    let permissions: Permission[] | undefined = V1_PERMS[perms];
    if (!permissions) {
      if (!/^c?r?u?d?s?$/.test(perms)) continue; // v2 requires the cruds order
      permissions = perms.split('') as Permission[];
    }
    scopes.push({ context: context as Scope['context'], resourceType, permissions: new Set(permissions) });
  }
  return scopes;
}

export function formatScope(scope: Scope): string {
  const order: Permission[] = ['c', 'r', 'u', 'd', 's'];
  return `${scope.context}/${scope.resourceType}.${order.filter((p) => scope.permissions.has(p)).join('')}`;
}

export function hasPermission(scopes: readonly Scope[], resourceType: string, permission: Permission): boolean {
  return scopes.some((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(permission));
}

const PERMISSION_NAMES: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** Throws 403 unless one of the scopes grants `permission` on `resourceType`. */
export function assertPermission(scopes: readonly Scope[], resourceType: string, permission: Permission): void {
  if (!hasPermission(scopes, resourceType, permission)) {
    throw new HubError(
      AccessErrors.INSUFFICIENT_SCOPE,
      `The access token does not grant ${PERMISSION_NAMES[permission]} on ${resourceType}`,
    );
  }
}
