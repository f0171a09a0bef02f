/** The identity module (master patient index): its only public surface. */
export { linkRecords, trainModel, DEFAULT_LINK_OPTIONS, type LinkOptions, type LinkResult, type ScoredPair } from './matching/link-records.js';
export { normalizePerson } from './matching/normalize.js';
export { scorePair, classify, DEFAULT_THRESHOLDS, type MatchModel, type MatchThresholds, type MatchOutcome, type PairScore } from './matching/match-model.js';
export type { PersonInput, PersonRecord } from './matching/person-record.js';
export { parseResidentId, upgradeLegacyResidentId, residentIdCheckChar } from './matching/resident-id.js';
export { evaluateFiles, evaluateLabelledRecords, type EvalReport } from './eval/run-eval.js';
export { MatchIndex, type IndexMatch } from './matching/match-index.js';
