/** The identity module (master patient index): its only public surface. */
export { linkRecords, trainModel, DEFAULT_LINK_OPTIONS, type LinkOptions, type LinkResult, type ScoredPair } from './matching/link-records.js';
export { normalizePerson } from './matching/normalize.js';
export { scorePair, classify, DEFAULT_THRESHOLDS, type MatchModel, type MatchThresholds, type MatchOutcome, type PairScore } from './matching/match-model.js';
export type { PersonInput, PersonRecord } from './matching/person-record.js';
export { parseResidentId, upgradeLegacyResidentId, residentIdCheckChar } from './matching/resident-id.js';
export { evaluateFiles, evaluateLabelledRecords, type EvalReport } from './eval/run-eval.js';
export { MatchIndex, type IndexMatch } from './matching/match-index.js';
export { REGIONAL_ID_SYSTEM, PATIENT_RECORD_SYSTEM, type RecordRef } from './patient-person.js';
export { identityFhirRoutes, type IdentityRoutesOptions } from './identity-fhir.routes.js';
export { identityReviewRoutes, type ReviewRoutesOptions } from './review.routes.js';
export { createIdentityConsumer, IDENTITY_CONSUMER } from './identity.consumer.js';
export { indexPatient } from './online-match.service.js';
export { findLinkedRecords } from './linked-records.service.js';
export { relinkAll, type RelinkProgress, type RelinkResult } from './relink.service.js';
