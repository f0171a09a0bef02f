import type { Queryable } from '../../platform/storage/index.js';
import { recordAccess } from '../audit/index.js';

/** Tenant an event is filed under when no institution is known (a sign-in attempt with an unknown username). */
export const REGION_TENANT = 'region';

/**
 * Queues the AuditEvent of a sign-in attempt (issue 4: every sign-in is
 * audited). Failures carry the username tried; success the user.
 */
export async function auditSignIn(
  q: Queryable,
  attempt: { username: string; user?: { id: string; tenant_id: string; display_name?: string; roles?: string[] }; outcome: 'success' | 'failure'; step: 'password' | 'second-factor' },
): Promise<void> {
  const user = attempt.user;
  await recordAccess(
    q,
    {
      tenantId: user?.tenant_id ?? REGION_TENANT,
      actor: { kind: 'user', id: user?.id ?? `username:${attempt.username}`, display: user?.display_name ?? attempt.username, roles: user?.roles ?? [] },
      scopes: [],
      requestId: '',
      baseUrl: '',
    },
    { action: 'E', subtype: 'login', outcome: attempt.outcome === 'success' ? 'success' : 'denied', detail: `${attempt.step} ${attempt.outcome}` },
  );
}
