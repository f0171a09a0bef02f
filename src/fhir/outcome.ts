import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** FHIR IssueType codes we use (https://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'suppressed'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'multiple-matches'
  | 'not-found'
  | 'deleted'
  | 'too-long'
  | 'code-invalid'
  | 'conflict'
  | 'lock-error'
  | 'exception'
  | 'timeout'
  | 'throttled'
  | 'transient'
  | 'informational';

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface IssueInput {
  code: IssueType;
  text: string;
  severity?: IssueSeverity;
  expression?: string[];
  /** Stable machine code, carried in details.coding. */
  errorCode?: string;
}

export const ERROR_CODE_SYSTEM = 'https://xietong.dev/fhir/CodeSystem/error-code';

export function buildIssue(input: IssueInput): OperationOutcomeIssue {
  const issue: OperationOutcomeIssue = {
    severity: input.severity ?? 'error',
    code: input.code,
    details: { text: input.text },
  };
  if (input.errorCode) issue.details = { ...issue.details, coding: [{ system: ERROR_CODE_SYSTEM, code: input.errorCode }] };
  if (input.expression?.length) issue.expression = input.expression;
  return issue;
}

export function buildOutcome(issues: IssueInput[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues.map(buildIssue) };
}

/** An informational outcome for successful operations (Prefer: return=OperationOutcome). */
export function buildOkOutcome(text: string): OperationOutcome {
  return buildOutcome([{ code: 'informational', severity: 'information', text }]);
}
