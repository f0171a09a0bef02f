/** Coded reasons a receiver gives when it declines a referral (Task.statusReason). */
const SYSTEM = 'https://xietong.example/fhir/CodeSystem/referral-decline-reason';

export const DECLINE_REASONS = {
  'no-capacity': { system: SYSTEM, zh: '床位或号源不足', en: 'No capacity (beds or slots)' },
  'not-indicated': { system: SYSTEM, zh: '不符合转诊指征', en: 'Referral not indicated' },
  'wrong-specialty': { system: SYSTEM, zh: '专科不对口', en: 'Wrong specialty' },
  'incomplete-information': { system: SYSTEM, zh: '资料不全', en: 'Incomplete information' },
  'patient-declined': { system: SYSTEM, zh: '患者拒绝', en: 'Patient declined' },
  'better-elsewhere': { system: SYSTEM, zh: '建议转往他处', en: 'Better served elsewhere' },
  other: { system: SYSTEM, zh: '其他', en: 'Other' },
} as const;
export type DeclineReason = keyof typeof DECLINE_REASONS;
export const DECLINE_REASON_CODES = Object.keys(DECLINE_REASONS) as DeclineReason[];
