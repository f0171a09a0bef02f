import type { Scope } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const ORDER: Permission[] = ['c', 'r', 'u', 'd', 's'];
const V1_PERMS: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE_RE = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/;

/** Parses one scope token; undefined when it is not a resource scope we grant. */
function parseScope(raw: string): Scope | undefined {
  const match = SCOPE_RE.exec(raw);
  if (!match) return undefined;
  const [, context, resourceType, perms, query] = match;
  // Granular scopes (`system/Observation.rs?category=…`) are not supported yet.
  // Reading them as the bare scope would widen the grant, so they are dropped.
  if (query !== undefined) return undefined;
  let permissions: Permission[] | undefined = V1_PERMS[perms];
  if (!permissions) {
    if (!/^c?r?u?d?s?$/.test(perms) || perms.length === 0) return undefined; // v2 requires the cruds order
    permissions = perms.split('') as Permission[];
  }
  return { context: context as Scope['context'], resourceType, permissions: new Set(permissions) };
}

/**
 * Parses SMART scopes (v2 `system/Patient.rs`, `system/*.cruds`, and v1
 * `system/*.read|write|*`). Non-resource scopes (openid, launch, …) and
 * granular scopes with a query are ignored.
 * https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
export function parseScopes(scopeString: string): Scope[] {
  const scopes: Scope[] = [];
  for (const raw of scopeString.split(/\s+/).filter(Boolean)) {
    const scope = parseScope(raw);
    if (scope) scopes.push(scope);
  }
  return scopes;
}

/** Splits a scope string into the resource scopes we understand and the tokens we do not. */
export function parseScopesStrict(scopeString: string): { scopes: Scope[]; unsupported: string[] } {
  const scopes: Scope[] = [];
  const unsupported: string[] = [];
  for (const raw of scopeString.split(/\s+/).filter(Boolean)) {
    const scope = parseScope(raw);
    if (scope) scopes.push(scope);
    else unsupported.push(raw);
  }
  return { scopes, unsupported };
}

/** Formats a scope in SMART v2 syntax (`system/Patient.rs`). */
export function formatScope(scope: Scope): string {
  return `${scope.context}/${scope.resourceType}.${ORDER.filter((p) => scope.permissions.has(p)).join('')}`;
}

/** Formats scopes as a space-separated string. */
export function formatScopes(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(' ');
}

/**
 * What may be granted when `requested` is asked for and `allowed` is the most
 * the caller may have: for each pair in the same context, the narrower
 * resource type and the common permissions. Per context and resource type the
 * permissions are merged, and a type-specific scope that a wildcard scope
 * already covers is dropped. The result never exceeds either side.
 */
export function intersectScopes(requested: readonly Scope[], allowed: readonly Scope[]): Scope[] {
  const merged = new Map<string, { context: Scope['context']; resourceType: string; permissions: Set<Permission> }>();
  for (const req of requested) {
    for (const reg of allowed) {
      if (req.context !== reg.context) continue;
      let resourceType: string;
      if (req.resourceType === '*') resourceType = reg.resourceType;
      else if (reg.resourceType === '*' || reg.resourceType === req.resourceType) resourceType = req.resourceType;
      else continue;
      const common = ORDER.filter((p) => req.permissions.has(p) && reg.permissions.has(p));
      if (common.length === 0) continue;
      const key = `${req.context}/${resourceType}`;
      const entry = merged.get(key) ?? { context: req.context, resourceType, permissions: new Set<Permission>() };
      for (const p of common) entry.permissions.add(p);
      merged.set(key, entry);
    }
  }
  const result: Scope[] = [];
  for (const entry of merged.values()) {
    const wildcard = entry.resourceType === '*' ? undefined : merged.get(`${entry.context}/*`);
    if (wildcard && [...entry.permissions].every((p) => wildcard.permissions.has(p))) continue;
    result.push(entry);
  }
  return result;
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
