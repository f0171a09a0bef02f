import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { selectAccessLog, type AccessLogEntry } from './access-log.repo.js';
import { AuditErrors } from './errors.js';

const MAX_LIMIT = 500;

function readInstant(name: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new HubError(AuditErrors.INVALID_PARAMETER, `${name} must be a date or instant, got "${value}"`, { expression: [name] });
  }
  return date;
}

function readLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw new HubError(AuditErrors.INVALID_PARAMETER, `limit must be an integer from 1 to ${MAX_LIMIT}`, { expression: ['limit'] });
  return Math.min(Number(value), MAX_LIMIT);
}

/**
 * Audit search for the privacy officer: `patient` as `<institution>/<Patient id>`,
 * `user` (user or client id), `institution`, `from` / `to` (instants), `limit`.
 * Newest first; events still queued for the log are included with seq null.
 */
export async function searchAccessLog(q: Queryable, params: Record<string, string | undefined>): Promise<AccessLogEntry[]> {
  let patients: Array<{ tenantId: string; id: string }> | undefined;
  if (params.patient !== undefined) {
    const m = /^([A-Za-z0-9\-._]{1,64})\/([A-Za-z0-9\-.]{1,64})$/.exec(params.patient);
    if (!m) throw new HubError(AuditErrors.INVALID_PARAMETER, 'patient must be <institution id>/<Patient id>', { expression: ['patient'] });
    patients = [{ tenantId: m[1], id: m[2] }];
  }
  const from = readInstant('from', params.from);
  const to = readInstant('to', params.to);
  if (from && to && to <= from) throw new HubError(AuditErrors.INVALID_PARAMETER, 'to must be after from', { expression: ['to'] });
  return selectAccessLog(q, { patients, agentId: params.user || undefined, tenantId: params.institution || undefined, from, to, limit: readLimit(params.limit) });
}

/** Every access to any of a person's Patient records ("who accessed my record"), newest first. */
export async function listAccessesToPatient(q: Queryable, records: ReadonlyArray<{ tenantId: string; id: string }>, options: { limit?: number } = {}): Promise<AccessLogEntry[]> {
  return selectAccessLog(q, { patients: records, limit: Math.min(options.limit ?? 200, MAX_LIMIT) });
}
