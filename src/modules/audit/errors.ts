import { defineErrors } from '../../platform/errors/index.js';

export const AuditErrors = defineErrors('AUDIT', {
  INVALID_PARAMETER: { status: 400, issue: 'invalid' },
  LEAF_OUT_OF_RANGE: { status: 400, issue: 'value' },
  TREE_SIZE_OUT_OF_RANGE: { status: 400, issue: 'value' },
  SIZES_OUT_OF_ORDER: { status: 400, issue: 'invalid' },
  NO_TREE_HEAD: { status: 404, issue: 'not-found' },
  INVALID_EVENT: { status: 400, issue: 'invalid' },
  INVALID_LOG_ID: { status: 400, issue: 'invalid' },
  STORAGE_INCONSISTENT: { status: 500, issue: 'exception' },
  ALERT_NOT_FOUND: { status: 404, issue: 'not-found' },
  ALERT_ALREADY_RESOLVED: { status: 409, issue: 'conflict' },
  ROLE_FORBIDDEN: { status: 403, issue: 'forbidden' },
});
