import { defineErrors } from '../../../platform/errors/index.js';

/** Errors of FHIR Bulk Data export. Codes are stable; see README.md in this folder. */
export const BulkExportErrors = defineErrors('BULK', {
  /** Kick-off without `Prefer: respond-async` (https://hl7.org/fhir/uv/bulkdata/export.html#headers). */
  PREFER_ASYNC_REQUIRED: { status: 400, issue: 'required' },
  /** A malformed `_since`, an unknown `_type`, an unsupported `_outputFormat`. */
  INVALID_PARAMETER: { status: 400, issue: 'invalid' },
  /** A parameter this hub does not implement (`_typeFilter`, `_elements`, …) without `Prefer: handling=lenient`. */
  UNSUPPORTED_PARAMETER: { status: 400, issue: 'not-supported' },
  /** No such export job for the caller's institution (or it was cancelled). */
  JOB_NOT_FOUND: { status: 404, issue: 'not-found' },
  FILE_NOT_FOUND: { status: 404, issue: 'not-found' },
  /** The job failed; the status request answers with this. */
  EXPORT_FAILED: { status: 500, issue: 'exception' },
  /** A patient signing in for their own record cannot export the institution's data. */
  FORBIDDEN: { status: 403, issue: 'forbidden' },
});
