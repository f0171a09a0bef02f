import { evalFhirPath, validateResource } from '@medplum/core';
import type { Resource, TestScript, TestScriptSetupActionAssert, TestScriptSetupActionOperation } from '@medplum/fhirtypes';

/**
 * A small FHIR R4 TestScript engine (https://hl7.org/fhir/R4/testscript.html)
 * that drives a server over HTTP only. It implements what the official example
 * scripts use: fixtures, variables (defaultValue, headerField, path, expression),
 * the CRUD, search and history operations, and the asserts listed in
 * `runAssert`.
 *
 * Format: the hub speaks FHIR JSON only (its CapabilityStatement says so). The
 * official scripts were written with `accept`/`contentType` "xml"; like
 * Touchstone's per-test-system format choice, this runner sends and expects the
 * configured format (json), and evaluates `contentType` asserts and request
 * `Accept` asserts against that format. Simple XPath paths of the form
 * `fhir:Patient/fhir:name/fhir:family/@value` are translated to FHIRPath.
 */
export interface RunnerOptions {
  /** FHIR base, e.g. http://127.0.0.1:1234/fhir */
  baseUrl: string;
  headers: Record<string, string>;
  /** Resolves a fixture reference such as "Patient/example" to the resource. */
  loadFixture(reference: string): Resource;
  /** Values for variables the script leaves to the tester (those with only a hint). */
  variables?: Record<string, string>;
}

export interface AssertResult {
  phase: 'setup' | 'test' | 'teardown';
  test?: string;
  description: string;
  passed: boolean;
  warningOnly: boolean;
  message?: string;
}

interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  status: number;
  headers: Headers;
  body: unknown;
}

const FORMAT = { short: 'json', mime: 'application/fhir+json' };

const RESPONSE_CODES: Record<string, number[]> = {
  okay: [200],
  created: [201],
  noContent: [204],
  notModified: [304],
  bad: [400],
  forbidden: [403],
  notFound: [404],
  methodNotAllowed: [405],
  conflict: [409],
  gone: [410],
  preconditionFailed: [412],
  unprocessable: [422],
};

/** Translates `fhir:A/fhir:b/fhir:c/@value` (the only XPath form the examples use) to FHIRPath `A.b.c`. */
export function xpathToFhirPath(path: string): string {
  const steps = path.split('/').filter((s) => s !== '@value' && s !== '');
  if (!steps.every((s) => /^(fhir:)?[A-Za-z]+$/.test(s))) throw new Error(`Unsupported XPath in TestScript: ${path}`);
  return steps.map((s) => s.replace(/^fhir:/, '')).join('.');
}

export class TestScriptRunner {
  private readonly fixtures = new Map<string, Resource>();
  private readonly responses = new Map<string, Exchange>();
  private last: Exchange | undefined;
  private readonly results: AssertResult[] = [];

  constructor(
    private readonly script: TestScript,
    private readonly options: RunnerOptions,
  ) {
    for (const fixture of script.fixture ?? []) {
      if (fixture.id && fixture.resource?.reference) this.fixtures.set(fixture.id, options.loadFixture(fixture.resource.reference));
    }
  }

  /** Runs setup, every test and teardown; returns every assert's result. */
  async run(): Promise<AssertResult[]> {
    await this.runActions('setup', undefined, script(this.script.setup?.action));
    for (const test of this.script.test ?? []) await this.runActions('test', test.name ?? test.id, script(test.action));
    await this.runActions('teardown', undefined, script(this.script.teardown?.action));
    return this.results;
  }

  private async runActions(
    phase: AssertResult['phase'],
    test: string | undefined,
    actions: Array<{ operation?: TestScriptSetupActionOperation; assert?: TestScriptSetupActionAssert }>,
  ): Promise<void> {
    for (const action of actions) {
      if (action.operation) await this.runOperation(action.operation);
      if (action.assert) {
        const a = action.assert;
        let message: string | undefined;
        try {
          message = this.runAssert(a);
        } catch (err) {
          message = err instanceof Error ? err.message : String(err);
        }
        this.results.push({ phase, test, description: a.description ?? a.label ?? JSON.stringify(a), passed: message === undefined, warningOnly: a.warningOnly ?? false, message });
      }
    }
  }

  private substitute(text: string): string {
    return text.replace(/\$\{(\w+)\}/g, (_whole, name: string) => this.variable(name));
  }

  private variable(name: string): string {
    const def = (this.script.variable ?? []).find((v) => v.name === name);
    if (!def) throw new Error(`Unknown TestScript variable ${name}`);
    if (this.options.variables?.[name] !== undefined) return this.options.variables[name];
    const source = def.sourceId ? (this.fixtures.get(def.sourceId) ?? this.responses.get(def.sourceId)) : this.last;
    if (def.headerField) {
      const exchange = source && 'headers' in source ? (source as Exchange) : undefined;
      const value = exchange?.headers.get(def.headerField);
      if (value) return value;
    } else if (def.path || def.expression) {
      const resource = source && 'status' in source ? (source as Exchange).body : source;
      const values = evalFhirPath(def.expression ?? xpathToFhirPath(def.path as string), resource as Resource);
      if (values.length > 0) return String(values[0]);
    }
    if (def.defaultValue !== undefined) return def.defaultValue;
    throw new Error(`TestScript variable ${name} has no value (hint: ${def.hint ?? 'none'}); pass it in options.variables`);
  }

  private async runOperation(op: TestScriptSetupActionOperation): Promise<void> {
    const code = op.type?.code ?? '';
    const target = op.targetId ? (this.fixtures.get(op.targetId) ?? (this.responses.get(op.targetId)?.body as Resource | undefined)) : undefined;
    const type = op.resource ?? target?.resourceType;
    let url: string;
    if (op.url) url = this.substitute(op.url);
    else if (op.params) url = `${type}${this.substitute(op.params)}`;
    else if (target?.id && type) url = `${type}/${target.id}`;
    else if (code === 'history' || code === 'search' || code === 'create') url = `${type}`;
    else throw new Error(`Cannot build the URL of operation ${code} (${op.description ?? ''})`);
    if (code === 'history' && !url.includes('_history')) url = `${url.split('?')[0]}/_history`;
    if (!/^https?:/.test(url)) url = `${this.options.baseUrl}/${url.replace(/^\//, '')}`;

    const method = { read: 'GET', vread: 'GET', search: 'GET', history: 'GET', create: 'POST', update: 'PUT', delete: 'DELETE', patch: 'PATCH' }[code];
    if (!method) throw new Error(`Unsupported TestScript operation ${code}`);
    const requestHeaders: Record<string, string> = { ...this.options.headers, accept: FORMAT.mime };
    for (const h of op.requestHeader ?? []) if (h.field && h.value) requestHeaders[h.field.toLowerCase()] = this.substitute(h.value);
    let body: string | undefined;
    if (op.sourceId && (method === 'POST' || method === 'PUT')) {
      const source = structuredClone(this.fixtures.get(op.sourceId) ?? (this.responses.get(op.sourceId)?.body as Resource));
      // The body's id follows the URL on update and is the server's choice on create (FHIR RESTful API rules).
      if (method === 'PUT') source.id = url.split('?')[0].split('/').pop();
      else delete source.id;
      body = JSON.stringify(source);
      requestHeaders['content-type'] = FORMAT.mime;
    }
    const response = await fetch(url, { method, headers: requestHeaders, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    const exchange: Exchange = { method, url, requestHeaders, status: response.status, headers: response.headers, body: parsed };
    this.last = exchange;
    if (op.responseId) this.responses.set(op.responseId, exchange);
  }

  /** Returns undefined when the assert holds, else why it does not. */
  private runAssert(a: TestScriptSetupActionAssert): string | undefined {
    const ex = a.sourceId ? this.responses.get(a.sourceId) : this.last;
    const subject: unknown = a.sourceId && this.fixtures.has(a.sourceId) ? this.fixtures.get(a.sourceId) : ex?.body;
    if (!ex && !subject) return 'no response to assert on';
    const compare = (actual: string | undefined, expected: string | undefined, operator = 'equals'): string | undefined => {
      const ok = {
        equals: actual === expected,
        notEquals: actual !== expected,
        in: expected?.split(',').includes(actual ?? '') ?? false,
        notIn: !(expected?.split(',').includes(actual ?? '') ?? false),
        contains: actual?.includes(expected ?? '') ?? false,
        notContains: !(actual?.includes(expected ?? '') ?? false),
        empty: !actual,
        notEmpty: !!actual,
        greaterThan: Number(actual) > Number(expected),
        lessThan: Number(actual) < Number(expected),
      }[operator];
      if (ok === undefined) return `unsupported operator ${operator}`;
      return ok ? undefined : `expected ${operator} ${expected ?? ''}, got ${actual ?? '(nothing)'}`;
    };
    if (a.response) {
      const codes = RESPONSE_CODES[a.response];
      return codes?.includes(ex?.status ?? 0) ? undefined : `expected ${a.response} (${codes?.join('/')}), got ${ex?.status}`;
    }
    if (a.responseCode) return compare(String(ex?.status), a.responseCode, a.operator);
    if (a.contentType) {
      const expected = a.contentType === 'xml' || a.contentType === 'json' ? FORMAT.mime : a.contentType;
      return compare(ex?.headers.get('content-type') ?? undefined, expected, 'contains');
    }
    if (a.headerField) {
      if (a.direction === 'request') {
        const actual = ex?.requestHeaders[a.headerField.toLowerCase()];
        const expected = a.headerField.toLowerCase() === 'accept' && (a.value === 'xml' || a.value === 'json') ? FORMAT.short : a.value;
        return compare(actual, expected, a.operator);
      }
      return compare(ex?.headers.get(a.headerField) ?? undefined, a.value, a.operator);
    }
    if (a.requestMethod) return compare(ex?.method.toLowerCase(), a.requestMethod.toLowerCase(), a.operator);
    if (a.requestURL) return compare(ex?.url, a.requestURL, a.operator);
    if (a.resource) return compare((subject as Resource | undefined)?.resourceType, a.resource, a.operator);
    if (a.navigationLinks !== undefined) {
      const links = ((subject as { link?: Array<{ relation: string }> })?.link ?? []).map((l) => l.relation);
      return links.includes('self') === a.navigationLinks ? undefined : `expected navigation links ${a.navigationLinks}, got ${links.join(',')}`;
    }
    if (a.validateProfileId) {
      const profile = (this.script.profile ?? []).find((p) => p.id === a.validateProfileId);
      const resourceType = profile?.reference?.split('/').pop();
      if ((subject as Resource | undefined)?.resourceType !== resourceType) return `expected a ${resourceType}`;
      validateResource(subject as Resource);
      return undefined;
    }
    if (a.minimumId) {
      const minimum = this.fixtures.get(a.minimumId);
      return containsMinimum(subject, minimum, '') ?? undefined;
    }
    if (a.path || a.expression || a.compareToSourceExpression || a.compareToSourcePath) {
      const evaluate = (resource: unknown, path?: string, expression?: string) =>
        evalFhirPath(expression ?? xpathToFhirPath(path as string), resource as Resource).map(String);
      // Without its own path or expression, an assert applies the compare-to expression to the response too.
      const actual = a.path || a.expression ? evaluate(subject, a.path, a.expression) : evaluate(subject, a.compareToSourcePath, a.compareToSourceExpression);
      if (a.compareToSourceId) {
        const other = this.fixtures.get(a.compareToSourceId) ?? this.responses.get(a.compareToSourceId)?.body;
        const expected = evaluate(other, a.compareToSourcePath, a.compareToSourceExpression);
        return compare(actual[0], expected[0], a.operator);
      }
      if (a.value === undefined && a.operator === undefined) return actual[0] === 'true' ? undefined : `expression is ${actual[0] ?? 'empty'}`;
      return compare(actual[0], a.value, a.operator);
    }
    return `unsupported assert ${JSON.stringify(a)}`;
  }
}

function script<T>(actions: T[] | undefined): T[] {
  return actions ?? [];
}

/** The response holds every element of the minimum fixture (TestScript assert.minimumId); meta and id are the server's. */
function containsMinimum(actual: unknown, minimum: unknown, path: string): string | null {
  if (minimum === null || typeof minimum !== 'object') {
    return actual === minimum ? null : `${path || 'value'}: expected ${JSON.stringify(minimum)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(minimum)) {
    if (!Array.isArray(actual)) return `${path}: expected an array`;
    for (const item of minimum) if (!actual.some((candidate) => containsMinimum(candidate, item, path) === null)) return `${path}: missing ${JSON.stringify(item).slice(0, 120)}`;
    return null;
  }
  if (actual === null || typeof actual !== 'object') return `${path}: expected an object`;
  for (const [key, value] of Object.entries(minimum)) {
    if (path === '' && (key === 'meta' || key === 'id')) continue;
    const problem = containsMinimum((actual as Record<string, unknown>)[key], value, path ? `${path}.${key}` : key);
    if (problem) return problem;
  }
  return null;
}
