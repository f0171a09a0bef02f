import type { Resource } from '@medplum/fhirtypes';
import { HubError } from '../../platform/errors/index.js';
import type { Tx } from '../../platform/storage/index.js';
import { FhirErrors } from './errors.js';
import { findMatchingResources } from './search/search.service.js';

const CONDITIONAL_REF = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** Calls `visit` for every `reference` string in a resource (any depth), letting it replace the value. */
export function rewriteReferences(value: unknown, visit: (reference: string) => string | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) rewriteReferences(item, visit);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'reference' && typeof child === 'string') {
      const replaced = visit(child);
      if (replaced !== undefined) record[key] = replaced;
    } else if (child && typeof child === 'object') {
      rewriteReferences(child, visit);
    }
  }
}

/**
 * Resolves conditional references (`Practitioner?identifier=sys|val`) inside a
 * Bundle to `Type/id` in the caller's tenant: exactly one match is required
 * (https://hl7.org/fhir/R4/http.html#trules). Results are cached per bundle.
 */
export class ConditionalReferenceResolver {
  private readonly cache = new Map<string, string>();

  constructor(private readonly tx: Tx, private readonly tenantId: string) {}

  static isConditional(reference: string): boolean {
    return CONDITIONAL_REF.test(reference);
  }

  async resolve(reference: string, where: string): Promise<string> {
    const cached = this.cache.get(reference);
    if (cached) return cached;
    const match = CONDITIONAL_REF.exec(reference);
    if (!match) throw new HubError(FhirErrors.UNRESOLVED_REFERENCE, `${where}: "${reference}" is not a conditional reference`);
    const [, type, criteria] = match;
    const found = await findMatchingResources(this.tx, this.tenantId, type, criteria, 2);
    if (found.length === 0) {
      throw new HubError(FhirErrors.UNRESOLVED_REFERENCE, `${where}: conditional reference "${reference}" matches no ${type}`);
    }
    if (found.length > 1) {
      throw new HubError(FhirErrors.MULTIPLE_MATCHES, `${where}: conditional reference "${reference}" matches more than one ${type}`);
    }
    const resolved = `${type}/${found[0].id}`;
    this.cache.set(reference, resolved);
    return resolved;
  }

  /** Collects the conditional references of a resource, resolves them, and rewrites them in place. */
  async resolveAll(resource: Resource, where: string): Promise<void> {
    const pending: string[] = [];
    rewriteReferences(resource, (ref) => {
      if (CONDITIONAL_REF.test(ref) && !this.cache.has(ref)) pending.push(ref);
      return undefined;
    });
    for (const ref of pending) await this.resolve(ref, where);
    rewriteReferences(resource, (ref) => (CONDITIONAL_REF.test(ref) ? this.cache.get(ref) : undefined));
  }
}
