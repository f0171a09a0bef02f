import { hubClient } from '../../api/client.js';

export interface ReferralItem {
  id: string;
  state: string;
  taskStatus: string;
  loopClosed: boolean;
  direction: 'up' | 'down' | 'lateral';
  priority: string;
  specialty: { code: string; display: string | null };
  sender: { id: string; name: string | null };
  receiver: { id: string; name: string | null };
  patient: { reference?: string; display: string | null };
  reason: string | null;
  requestedBy: string | null;
  viewerRole: 'sender' | 'receiver';
  actions: string[];
  requestedAt: string;
  responseDueAt: string;
  overdue: boolean;
  appointmentAt: string | null;
  decline: { code: string; display: string; note: string | null } | null;
  report: string | null;
  followUpTasks: string[] | null;
  forwardedTo: string | null;
  forwardedFrom: string | null;
  version: number;
}

export interface TimelineEntry {
  seq: number;
  action: string;
  from: string | null;
  to: string;
  at: string;
  actor: { tenant: string; institution: string | null; id: string; display: string | null };
  detail: Record<string, unknown> | null;
}

export interface ReferralDetail extends ReferralItem {
  timeline: TimelineEntry[];
  reportResource: { resourceType: string; conclusion?: string; description?: string; code?: { text?: string } } | null;
}

export interface ScoreComponent { name: string; weight: number; score: number; explanation: string }
export interface Recommendation { institution: { id: string; name: string; kind: string }; score: number; components: ScoreComponent[] }
export interface DuplicateWarning { code: string; message: string; referral: { id: string; state: string; receiver: string; requestedAt: string } }

export interface ReferralMeasures {
  counts: Record<string, number>;
  loopClosureRate: number | null;
  loopClosureRateOfAccepted: number | null;
  sla: { answeredInTime: number; answeredLate: number; unansweredPastDue: number; breaches: number; adherence: number | null };
  timesHours: Record<string, { n: number; median: number | null; p90: number | null }>;
  declineReasons: Array<{ code: string; n: number; zh: string; en: string }>;
  monthly: Array<{ month: string; institution: string; name: string | null; role: 'sender' | 'receiver'; direction: string; n: number }>;
  scope: { institution?: string; region?: boolean };
  /** The window [from, to) as instants. */
  from: string;
  to: string;
}

export interface NewReferral {
  receiver: string;
  patient: string;
  specialty: { code: string; display: string };
  priority: string;
  reason?: string;
}

/** The referral JSON API (/api/referrals). */
export const referralsApi = {
  list: (box: 'incoming' | 'outgoing', status: 'open' | 'closed' | 'all') =>
    hubClient.send<{ total: number; items: ReferralItem[] }>('GET', `/api/referrals?box=${box}&status=${status}`),
  get: (id: string) => hubClient.send<ReferralDetail>('GET', `/api/referrals/${encodeURIComponent(id)}`),
  create: (body: NewReferral) => hubClient.send<{ referral: ReferralItem; warnings: DuplicateWarning[] }>('POST', '/api/referrals', body),
  checkDuplicate: (patient: string, specialty: string) =>
    hubClient.send<{ duplicate: boolean; warnings: DuplicateWarning[] }>('POST', '/api/referrals/$check-duplicate', { patient, specialty }),
  recommend: (specialty: string, priority: string, patient?: string) =>
    hubClient.send<{ items: Recommendation[] }>('POST', '/api/referrals/$recommend', { specialty, priority, ...(patient && { patient }) }),
  transition: (id: string, body: Record<string, unknown>) => hubClient.send<ReferralItem>('POST', `/api/referrals/${encodeURIComponent(id)}/transitions`, body),
  /** Measures from `from` (a day) until now. */
  measures: (from: string) => hubClient.send<ReferralMeasures>('GET', `/api/referrals/measures?from=${from}`),
  declineReasons: () => hubClient.send<{ items: Array<{ code: string; zh: string; en: string }> }>('GET', '/api/referrals/decline-reasons'),
  /** Writes the specialist's report as a FHIR DiagnosticReport in their institution and returns its reference. */
  async postReport(conclusion: string): Promise<string> {
    const report = await hubClient.send<{ id: string }>('POST', '/fhir/DiagnosticReport', {
      resourceType: 'DiagnosticReport', status: 'final', code: { text: '转诊会诊报告' }, conclusion, issued: new Date().toISOString(),
    });
    return `DiagnosticReport/${report.id}`;
  },
};

/** Specialties offered in the form (SNOMED CT practice settings used by the demo region). */
export const SPECIALTIES = [
  { code: '394579002', zh: '心血管内科', en: 'Cardiology' },
  { code: '394583002', zh: '内分泌科', en: 'Endocrinology' },
  { code: '418112009', zh: '呼吸与危重症医学科', en: 'Pulmonary medicine' },
  { code: '394591006', zh: '神经内科', en: 'Neurology' },
  { code: '394801008', zh: '骨科', en: 'Trauma and orthopaedics' },
  { code: '394609007', zh: '普外科', en: 'General surgery' },
  { code: '394802001', zh: '内科', en: 'General medicine' },
  { code: '394814009', zh: '全科医学科', en: 'General practice' },
];
