import type { OperationOutcome } from '@medplum/fhirtypes';
import { buildOutcome, type IssueInput, type IssueType } from '../../fhir/outcome.js';

export interface HubErrorSpec {
  /** Stable SCREAMING_SNAKE code with a module prefix, e.g. FHIR_RESOURCE_NOT_FOUND. */
  code: string;
  status: number;
  issue: IssueType;
}

/**
 * The one error class domain code throws. The HTTP error handler turns it into
 * an OperationOutcome with `status`; nothing ever matches on message text.
 */
export class HubError extends Error {
  readonly code: string;
  readonly status: number;
  readonly issueType: IssueType;
  readonly expression: string[] | undefined;
  readonly extraIssues: IssueInput[];
  readonly headers: Record<string, string>;

  constructor(
    spec: HubErrorSpec,
    message: string,
    options: { expression?: string[]; extraIssues?: IssueInput[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HubError';
    this.code = spec.code;
    this.status = spec.status;
    this.issueType = spec.issue;
    this.expression = options.expression;
    this.extraIssues = options.extraIssues ?? [];
    this.headers = options.headers ?? {};
  }

  toOutcome(): OperationOutcome {
    return buildOutcome([
      { code: this.issueType, text: this.message, expression: this.expression, errorCode: this.code },
      ...this.extraIssues,
    ]);
  }
}

/** Defines a module's error catalog: `const E = defineErrors({ NOT_FOUND: {status:404, issue:'not-found'} }, 'FHIR')`. */
export function defineErrors<K extends string>(
  prefix: string,
  catalog: Record<K, { status: number; issue: IssueType }>,
): Record<K, HubErrorSpec> {
  const out = {} as Record<K, HubErrorSpec>;
  for (const key of Object.keys(catalog) as K[]) {
    out[key] = { code: `${prefix}_${key}`, ...catalog[key] };
  }
  return out;
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}
