import type { Resource, TestScript } from '@medplum/fhirtypes';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { findFreePort } from '../support/net.js';
import { TestScriptRunner, xpathToFhirPath, type AssertResult } from './testscript-runner.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** "Patient/example" → the official example file of that type and id. */
function loadExample(reference: string): Resource {
  const [type, id] = reference.split('/');
  return readJson<Resource>(join(FIXTURES, 'fhir-examples', `${type}-${id}.json`));
}

/**
 * The asserts of the official scripts that contradict R4 itself, each with the
 * reason. They are expected to fail, and the test fails if they ever pass.
 */
const CONTRARY_TO_R4: Record<string, string> = {
  'testscript-example-readtest': 'reads Patient/ID-may-not-contain-CAPITALS and expects 400, but R4 ids are [A-Za-z0-9\\-\\.]{1,64} (https://hl7.org/fhir/R4/datatypes.html#id): capitals are allowed, so the hub answers 404 Not Found',
};

describe(`official R4 TestScripts over HTTP on ${testEngine}`, () => {
  let hub: TestHub;
  let tenant: TestTenant;
  let baseUrl: string;

  beforeAll(async () => {
    // The hub's public base must be the address it listens on: Location headers and links are followed as given.
    const port = await findFreePort();
    hub = await startTestHub({ baseUrl: `http://127.0.0.1:${port}` });
    tenant = await createTestTenant(hub);
    await hub.app.listen({ host: '127.0.0.1', port });
    baseUrl = `http://127.0.0.1:${port}/fhir`;
    // The read tests assume the destination already holds Patient/example (their "known patient").
    const put = await fetch(`${baseUrl}/Patient/example`, {
      method: 'PUT',
      headers: { ...tenant.headers, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(loadExample('Patient/example')),
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => hub?.close());

  it('translates the XPath forms the scripts use into FHIRPath', () => {
    expect(xpathToFhirPath('fhir:Patient/fhir:name/fhir:family/@value')).toBe('Patient.name.family');
    expect(xpathToFhirPath('Patient/id')).toBe('Patient.id');
    expect(() => xpathToFhirPath('fhir:Patient/fhir:name[1]')).toThrow(/Unsupported XPath/);
  });

  const files = readdirSync(join(FIXTURES, 'testscripts')).filter((f) => f.startsWith('TestScript-'));

  it('has the official search and CRUD scripts', () => {
    expect(files.length).toBe(6);
  });

  for (const file of files) {
    const script = readJson<TestScript>(join(FIXTURES, 'testscripts', file));
    it(`${script.id}: every assert passes`, async () => {
      const runner = new TestScriptRunner(script, {
        baseUrl,
        headers: tenant.headers,
        loadFixture: loadExample,
        // The search script leaves the search criteria to the tester: a known patient's names.
        variables: { PatientSearchFamilyName: 'Chalmers', PatientSearchGivenName: 'Peter' },
      });
      const results = await runner.run();
      expect(results.length).toBeGreaterThan(0);
      const failed = results.filter((r: AssertResult) => !r.passed && !r.warningOnly);
      const describeFailures = failed.map((r) => `${r.phase} ${r.test ?? ''}: ${r.description} — ${r.message}`);
      if (script.id && CONTRARY_TO_R4[script.id]) {
        expect(describeFailures).toHaveLength(1);
        expect(describeFailures[0]).toMatch(/expected bad \(400\), got 404/);
      } else {
        expect(describeFailures).toEqual([]);
      }
    });
  }
});
