import { hubClient } from '../../api/client.js';

export const SENSITIVE = ['mental-health', 'hiv-sti', 'reproductive-health', 'substance-use', 'genetics'] as const;

/** One consent decision as GET /api/patient/consents shows it. */
export interface ConsentSummary {
  grantId: string;
  status: string;
  dateTime?: string;
  organizations: Array<{ id: string; name?: string }>;
  purposes: string[];
  sensitiveCategories: string[];
}

export interface AccessEntry {
  seq: number | null;
  recorded: string;
  tenantId: string;
  agentId: string;
  agentDisplay?: string;
  subtype: string;
  outcome: string;
}

export async function listConsents(): Promise<ConsentSummary[]> {
  return (await hubClient.send<{ consents: ConsentSummary[] }>('GET', '/api/patient/consents')).consents;
}

export async function listInstitutions(): Promise<Array<{ id: string; name: string }>> {
  return (await hubClient.send<{ institutions: Array<{ id: string; name: string }> }>('GET', '/api/patient/institutions')).institutions;
}

export function grantConsent(body: { organizations: string[]; sensitiveCategories: string[] }): Promise<ConsentSummary> {
  return hubClient.send('POST', '/api/patient/consents', body);
}

export function withdrawConsent(grantId: string): Promise<ConsentSummary> {
  return hubClient.send('POST', `/api/patient/consents/${encodeURIComponent(grantId)}/withdraw`);
}

export async function listAccesses(): Promise<AccessEntry[]> {
  return (await hubClient.send<{ entries: AccessEntry[] }>('GET', '/api/patient/access-log')).entries;
}
