import { OperationOutcomeError, evalFhirPath, isResourceType, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { IssueInput, IssueType } from '../../fhir/outcome.js';
import { loadFhirDefinitions } from '../../fhir/definitions.js';
import { HubError } from '../../platform/errors/index.js';
import { FhirErrors } from './errors.js';

const ABSTRACT_TYPES: ReadonlySet<string> = new Set(['Resource', 'DomainResource']);

/** FHIR ids: https://hl7.org/fhir/R4/datatypes.html#id */
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

/** R4's base64Binary pattern allows whitespace between groups (https://hl7.org/fhir/R4/datatypes.html#base64Binary). */
const R4_BASE64 = /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/;

/**
 * `@medplum/core` rejects base64 with embedded whitespace, which R4 allows
 * (the official example DiagnosticReport/gingival-mass has it): such an issue
 * is dropped when every value at its path matches R4's own pattern.
 */
function isR4ValidBase64(resource: Resource, issue: IssueInput): boolean {
  if (!/base64Binary/.test(issue.text) || !issue.expression?.[0]) return false;
  try {
    const values = evalFhirPath(issue.expression[0], resource);
    return values.length > 0 && values.every((v) => typeof v === 'string' && R4_BASE64.test(v));
  } catch {
    return false;
  }
}

/** Throws 404 unless `type` names an R4 resource type (excluding abstract ones). */
export function assertResourceType(type: string): void {
  loadFhirDefinitions();
  if (!isResourceType(type) || ABSTRACT_TYPES.has(type)) {
    throw new HubError(FhirErrors.UNKNOWN_RESOURCE_TYPE, `Unknown resource type "${type}"`);
  }
}

export function assertValidId(id: string): void {
  if (!ID_RE.test(id)) {
    throw new HubError(FhirErrors.INVALID_ID, `"${id}" is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)`);
  }
}

/**
 * Checks a request body is a resource of `expectedType` that conforms to the
 * R4 StructureDefinitions; a failure is a 400 whose issues name the paths.
 */
export function assertValidResource(body: unknown, expectedType?: string): asserts body is Resource {
  if (body === undefined || body === null) throw new HubError(FhirErrors.MISSING_BODY, 'A resource body is required');
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new HubError(FhirErrors.INVALID_RESOURCE, 'The body must be a JSON object holding a FHIR resource');
  }
  const type = (body as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') {
    throw new HubError(FhirErrors.INVALID_RESOURCE, 'The resource has no resourceType', { expression: ['resourceType'] });
  }
  if (expectedType && type !== expectedType) {
    throw new HubError(FhirErrors.TYPE_MISMATCH, `The body is a ${type} but the URL names ${expectedType}`, {
      expression: ['resourceType'],
    });
  }
  loadFhirDefinitions();
  if (!isResourceType(type)) {
    throw new HubError(FhirErrors.INVALID_RESOURCE, `Unknown resource type "${type}"`, { expression: ['resourceType'] });
  }
  const id = (body as { id?: unknown }).id;
  if (id !== undefined && (typeof id !== 'string' || !ID_RE.test(id))) {
    throw new HubError(FhirErrors.INVALID_ID, `Resource id ${JSON.stringify(id)} is not a valid FHIR id`, { expression: [`${type}.id`] });
  }
  let issues: IssueInput[] = [];
  try {
    validateResource(body as Resource);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    issues = (err.outcome.issue ?? [])
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => ({
        code: (issue.code ?? 'invalid') as IssueType,
        text: issue.details?.text ?? issue.diagnostics ?? 'Invalid value',
        expression: issue.expression,
      }));
  }
  issues = issues.filter((issue) => !isR4ValidBase64(body as Resource, issue));
  if (issues.length > 0) {
    const [first, ...rest] = issues;
    throw new HubError(FhirErrors.INVALID_RESOURCE, `Invalid ${type}: ${first.text}`, {
      expression: first.expression,
      extraIssues: rest,
    });
  }
}
