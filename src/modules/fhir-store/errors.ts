import { defineErrors } from '../../platform/errors/index.js';

/** The fhir-store error catalog. Codes are stable; see README.md. */
export const FhirErrors = defineErrors('FHIR', {
  UNKNOWN_RESOURCE_TYPE: { status: 404, issue: 'not-supported' },
  NOT_FOUND: { status: 404, issue: 'not-found' },
  GONE: { status: 410, issue: 'deleted' },
  INVALID_RESOURCE: { status: 400, issue: 'invalid' },
  INVALID_ID: { status: 400, issue: 'value' },
  ID_MISMATCH: { status: 400, issue: 'invalid' },
  TYPE_MISMATCH: { status: 400, issue: 'invalid' },
  MISSING_BODY: { status: 400, issue: 'required' },
  VERSION_CONFLICT: { status: 412, issue: 'conflict' },
  INVALID_IF_MATCH: { status: 400, issue: 'value' },
  CONCURRENT_WRITE: { status: 409, issue: 'conflict' },
  MULTIPLE_MATCHES: { status: 412, issue: 'multiple-matches' },
  INVALID_PATCH: { status: 400, issue: 'invalid' },
  UNPROCESSABLE_PATCH: { status: 422, issue: 'processing' },
  INVALID_BUNDLE: { status: 400, issue: 'invalid' },
  TRANSACTION_FAILED: { status: 400, issue: 'processing' },
  UNRESOLVED_REFERENCE: { status: 400, issue: 'not-found' },
  INVALID_PARAMETER: { status: 400, issue: 'invalid' },
  NOT_SUPPORTED: { status: 400, issue: 'not-supported' },
});
