import type { Db } from '../../platform/storage/index.js';
import { insertRevocation, listRevocationsSince, purgeExpiredSessions } from './session.repo.js';

/** How stale the in-memory list may be before verify reloads it: another hub process's logout is seen within this. */
const DEFAULT_RELOAD_MS = 2_000;
const PURGE_EVERY_MS = 10 * 60_000;
/** Transactions commit out of seq order; revocations this recent are read again on every reload. */
const RECENT_WINDOW_MS = 30_000;

/**
 * Revoked access tokens (by jti) and sign-in sessions (by sid), kept in
 * memory so TokenService.verify stays a Set lookup. Revocations are written
 * to the database (so every hub process sees them) and read back
 * incrementally by sequence number at most every `reloadMs`.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>(); // `${kind}:${value}` → expiry (epoch ms)
  private lastSeq = 0;
  private loadedAt = 0;
  private purgedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly reloadMs = DEFAULT_RELOAD_MS,
  ) {}

  /** True when the token's jti or its session has been revoked. Reloads from the database when the list is stale. */
  async isRevoked(jti: string | undefined, sid: string | undefined): Promise<boolean> {
    const now = Date.now();
    if (now - this.loadedAt > this.reloadMs) await this.reload();
    return (jti !== undefined && this.has(`jti:${jti}`, now)) || (sid !== undefined && this.has(`sid:${sid}`, now));
  }

  private has(key: string, now: number): boolean {
    const until = this.revoked.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.revoked.delete(key);
    return false;
  }

  /** Records a revocation in the database (inside the caller's transaction when given one) and in this process at once. */
  async revoke(kind: 'jti' | 'sid', value: string, expiresAt: Date, q: Pick<Db, 'query'> = this.db): Promise<void> {
    await insertRevocation(q, kind, value, expiresAt);
    this.revoked.set(`${kind}:${value}`, expiresAt.getTime());
  }

  /** Reads revocations newer than the last seen one; concurrent callers share one query. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const now = new Date();
    if (now.getTime() - this.purgedAt > PURGE_EVERY_MS) {
      this.purgedAt = now.getTime();
      await purgeExpiredSessions(this.db, now);
      for (const [key, until] of this.revoked) if (until <= now.getTime()) this.revoked.delete(key);
    }
    const rows = await listRevocationsSince(this.db, this.lastSeq, new Date(now.getTime() - RECENT_WINDOW_MS), now);
    for (const row of rows) {
      this.revoked.set(`${row.kind}:${row.value}`, row.expires_at.getTime());
      this.lastSeq = Math.max(this.lastSeq, row.seq);
    }
    this.loadedAt = Date.now();
  }
}
