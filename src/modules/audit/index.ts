export { auditPlugin, type AuditPluginOptions } from './audit.routes.js';
export { AuditErrors } from './errors.js';
export { buildAuditEvent, auditEventTenant, TENANT_TAG_SYSTEM, type AuditEventInput } from './audit-event.builder.js';
export { appendAuditEvent, appendAuditEvents, DEFAULT_LOG_ID, type AppendedLeaf, type AppendOptions } from './append.service.js';
export { readTreeSize, readRootAtSize, proveInclusion, proveConsistency, type InclusionProof } from './proof.service.js';
export {
  signTreeHead,
  signTreeHeadIfGrown,
  readLatestTreeHead,
  startTreeHeadScheduler,
  listAuditPublicJwks,
  treeHeadCheckpoint,
  verifyTreeHeadSignature,
  type SignedTreeHead,
  type TreeHeadScheduler,
} from './tree-head.service.js';
export { verifyAuditLog, type AuditVerifyReport, type AuditProblem, type AuditProblemKind } from './verify.service.js';
export { canonicalJson } from './canonical-json.js';
export { encodeLeaf, decodeLeafHeader, decodeLeafEvent, LEAF_FORMAT } from './leaf.js';
export { hashLeaf, hashChildren, EMPTY_ROOT } from './merkle/hasher.js';
export { verifyInclusion, verifyConsistency, rootFromInclusionProof } from './merkle/verify.js';
export { MemoryMerkleTree } from './merkle/memory-tree.js';
export { recordAccess, recordAccesses, auditFhirInteraction, auditFhirInteractions, fhirAccessRecord, buildQueuedAudit, type AccessRecord, type FhirInteraction } from './audit-queue.service.js';
export { AuditRecorder, type AuditRecorderOptions } from './audit-recorder.js';
export { drainAuditQueue, sequenceAuditBatch, startAuditSequencer, type AuditSequencer, type SequencerOptions } from './audit-sequencer.service.js';
export { searchAccessLog, listAccessesToPatient } from './access-log.service.js';
export type { AccessLogEntry } from './access-log.repo.js';
export { detectAnomalies, listAlerts, resolveAlert, DEFAULT_THRESHOLDS, type AnomalyThresholds } from './anomaly.service.js';
