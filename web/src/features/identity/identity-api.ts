import { hubClient } from '../../api/client.js';

/** One side of a review pair as GET /api/identity/pairs shows it. */
export interface PairSideBrief {
  tenantId: string;
  patientId: string;
  institution: string | null;
  name: string | null;
  birthDate: string | null;
  gender: string | null;
}

export interface PairSummary {
  id: string;
  status: string;
  probability: number;
  createdAt: string;
  a: PairSideBrief;
  b: PairSideBrief;
}

export interface PairSide extends PairSideBrief {
  regionalId: string | null;
  identifiers: Array<{ system: string; value: string }>;
  phone: string | null;
  address: string | null;
  present: boolean;
}

export interface FieldView {
  field: string;
  label: string;
  level: number;
  agreement: 'agree' | 'partial' | 'differ' | 'missing';
  weight: number;
  a: string | null;
  b: string | null;
}

export interface PairDetail {
  id: string;
  status: string;
  probability: number;
  logOdds: number;
  prior: number;
  a: PairSide;
  b: PairSide;
  fields: FieldView[];
  decisions: Array<{ id: number; decision: string; actor: { id: string }; reason: string | null; decidedAt: string; reversedAt: string | null }>;
  allowed: string[];
}

export type Decision = 'link' | 'keep-apart' | 'merge' | 'unmerge' | 'relink';

export function listPairs(offset: number, sort: 'score' | 'newest'): Promise<{ total: number; limit: number; offset: number; pairs: PairSummary[] }> {
  return hubClient.send('GET', `/api/identity/pairs?limit=20&offset=${offset}&sort=${sort}`);
}

export function getPair(id: string): Promise<PairDetail> {
  return hubClient.send('GET', `/api/identity/pairs/${encodeURIComponent(id)}`);
}

export function decidePair(id: string, body: { decision: Decision; reason?: string; survivor?: 'a' | 'b' }): Promise<PairDetail> {
  return hubClient.send('POST', `/api/identity/pairs/${encodeURIComponent(id)}/decision`, body);
}
