/** The referrals module (two-way referral, 双向转诊): its only public surface. */
export { referralRoutes, referralSettings, type ReferralRoutesOptions } from './referral.routes.js';
export { ReferralErrors } from './errors.js';
export { hasReferralRelationship, createReferral, getReferral, listReferrals, type ReferralSettings } from './referral.service.js';
export { transitionReferral } from './referral-transition.service.js';
export { sweepReferralSlas, listReferralAlerts, type SweepResult } from './sla-sweeper.service.js';
export { recommendReceivers } from './recommend.service.js';
export { getReferralMeasures } from './measures.service.js';
export { REFERRAL_STATES, REFERRAL_ACTIONS, TASK_STATUS, type ReferralState, type ReferralAction } from './referral-state.js';
