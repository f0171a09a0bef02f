import type { Resource } from '@medplum/fhirtypes';
import { hubClient } from '../../api/client.js';

export interface Alert { id: number; rule: string; tenantId: string; agentId: string; windowStart: string; observed: number; detail: string; status: string }
export interface Grant {
  id: string; tenantId: string; actorId: string; actorDisplay: string | null; patient: { tenantId: string; id: string };
  reasonCode: string; reasonText: string; grantedAt: string; expiresAt: string; reviewStatus: string; uses?: number;
}
export interface AuditEntry {
  seq: number | null; recorded: string; tenantId: string; agentId: string; agentDisplay?: string; action: string; subtype: string;
  outcome: string; patient: { tenantId: string; id: string } | null; basis: string | null;
}
export interface VerifyReport { ok: boolean; leavesChecked?: number; treeHeadsChecked?: number; problems?: Array<{ kind: string; seq?: number }>; [key: string]: unknown }
export interface InstitutionRecord {
  tenantId: string; name?: string; patientId: string; own: boolean; access: 'full' | 'partial' | 'none';
  hint?: 'no-care-relationship' | 'consent-denied'; breakGlass?: boolean; resources: Resource[]; withheld: number;
}
export interface RegionalRecord { patient: { tenantId: string; id: string }; institutions: InstitutionRecord[]; withheld: number }

export const BREAK_GLASS_REASONS = ['life-threatening-emergency', 'patient-unable-to-consent', 'urgent-continuity-of-care', 'public-health-emergency'] as const;

export async function listAlerts(): Promise<Alert[]> {
  return (await hubClient.send<{ alerts: Alert[] }>('GET', '/audit/alerts')).alerts;
}
export function resolveAlert(id: number, decision: 'confirmed' | 'dismissed'): Promise<Alert> {
  return hubClient.send('POST', `/audit/alerts/${id}/resolve`, { decision });
}
export async function listPendingGrants(): Promise<Grant[]> {
  return (await hubClient.send<{ grants: Grant[] }>('GET', '/api/access/break-glass?status=pending')).grants;
}
export function reviewGrant(id: string, decision: 'justified' | 'unjustified'): Promise<Grant> {
  return hubClient.send('POST', `/api/access/break-glass/${encodeURIComponent(id)}/review`, { decision });
}
export async function searchAudit(filter: Record<string, string>): Promise<AuditEntry[]> {
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v.trim() !== '')).toString();
  return (await hubClient.send<{ entries: AuditEntry[] }>('GET', `/audit/events${query ? `?${query}` : ''}`)).entries;
}
export function verifyLog(): Promise<VerifyReport> {
  return hubClient.send('POST', '/audit/verify');
}
export function readRegionalRecord(tenantId: string, patientId: string): Promise<RegionalRecord> {
  return hubClient.send('GET', `/api/sharing/patients/${encodeURIComponent(patientId)}/record?institution=${encodeURIComponent(tenantId)}`);
}
export function breakGlass(patient: { tenantId: string; id: string }, reason: { code: string; text: string }): Promise<Grant> {
  return hubClient.send('POST', '/api/access/break-glass', { patient, reason });
}
