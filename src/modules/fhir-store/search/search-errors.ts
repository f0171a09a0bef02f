import { defineErrors } from '../../../platform/errors/index.js';

/** Errors of FHIR search. Codes are stable; see README.md in this folder. */
export const SearchErrors = defineErrors('SEARCH', {
  /** A parameter that is not defined for the resource type (only under strict handling). */
  UNKNOWN_PARAMETER: { status: 400, issue: 'not-supported' },
  /** A known parameter, modifier or feature this hub does not implement yet (strict handling). */
  UNSUPPORTED: { status: 400, issue: 'not-supported' },
  /** A malformed value: bad date, number, prefix, _count, _sort... Always a 400. */
  INVALID_VALUE: { status: 400, issue: 'invalid' },
  /** Conditional-operation criteria that select nothing (would match every resource). */
  EMPTY_CRITERIA: { status: 400, issue: 'invalid' },
  UNKNOWN_RESOURCE_TYPE: { status: 404, issue: 'not-supported' },
});
