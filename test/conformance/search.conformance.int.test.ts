import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import FhirKitClient from 'fhir-kit-client';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { findFreePort } from '../support/net.js';
import { keyOf } from './expectations.js';
import { buildSearchCases, type SearchCase } from './search-cases.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
// The package is CommonJS (module.exports = Client) with typings that declare an ES default export.
const Client = FhirKitClient as unknown as typeof FhirKitClient.default;
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

/**
 * Black-box conformance: the hub is driven only over HTTP by fhir-kit-client
 * (a FHIR client nobody here wrote). The official R4 examples and the Synthea
 * bundles are loaded; each search's answer is compared with the set computed
 * by FHIRPath over what the hub holds (read back through `_history`, which
 * shares no code with search).
 */
describe(`FHIR search conformance (fhir-kit-client over HTTP) on ${testEngine}`, () => {
  let hub: TestHub;
  let client: InstanceType<typeof Client>;
  const loaded = new Map<string, Resource>();
  let cases: SearchCase[] = [];

  beforeAll(async () => {
    const port = await findFreePort();
    hub = await startTestHub({ baseUrl: `http://127.0.0.1:${port}`, bodyLimit: 32 * 1024 * 1024, maxPageSize: 1000 });
    const tenant = await createTestTenant(hub, 'system/*.cruds', 'Conformance Hospital');
    await hub.app.listen({ host: '127.0.0.1', port });
    client = new Client({ baseUrl: `http://127.0.0.1:${port}/fhir`, bearerToken: tenant.token });

    for (const file of readdirSync(join(FIXTURES, 'fhir-examples')).filter((f) => f.endsWith('.json'))) {
      const resource = readJson<Resource>(join(FIXTURES, 'fhir-examples', file));
      await client.update({ resourceType: resource.resourceType, id: resource.id as string, body: resource });
    }
    const synthea = readdirSync(join(FIXTURES, 'synthea')).filter((f) => f.endsWith('.json'));
    const ordered = [...synthea.filter((f) => f.startsWith('hospital')), ...synthea.filter((f) => f.startsWith('practitioner')), ...synthea.filter((f) => !/^(hospital|practitioner)/.test(f))];
    for (const file of ordered) {
      const bundle = readJson<Bundle>(join(FIXTURES, 'synthea', file));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's own Bundle typing differs from @medplum/fhirtypes'
      const body = bundle as any;
      const reply = (bundle.type === 'batch' ? await client.batch({ body }) : await client.transaction({ body })) as Bundle;
      const failed = (reply.entry ?? []).filter((e) => !/^20[01]/.test(e.response?.status ?? ''));
      expect(failed, file).toEqual([]);
    }

    // What the hub holds, read back through system history (newest version first per resource).
    let page = (await client.request('_history?_count=1000')) as Bundle;
    let url: string | undefined;
    for (;;) {
      for (const entry of page.entry ?? []) {
        const [type, id] = (entry.request?.url ?? entry.fullUrl ?? '').split('/').slice(-2);
        const key = entry.resource ? keyOf(entry.resource) : `${type}/${id}`;
        if (loaded.has(key) || loaded.has(`deleted:${key}`)) continue;
        if (entry.resource) loaded.set(key, entry.resource);
        else loaded.set(`deleted:${key}`, { resourceType: 'Basic' } as Resource);
      }
      url = page.link?.find((l) => l.relation === 'next')?.url;
      if (!url) break;
      page = (await client.nextPage({ bundle: page })) as Bundle;
    }
    for (const key of [...loaded.keys()]) if (key.startsWith('deleted:')) loaded.delete(key);
    cases = buildSearchCases(loaded);
  }, 900_000);
  afterAll(async () => hub?.close());

  it('holds every loaded resource', () => {
    expect(loaded.size).toBeGreaterThan(5_000);
    expect(cases.length).toBeGreaterThan(20);
  });

  /** Every page of a search, through the client's own paging. */
  async function searchAll(c: SearchCase): Promise<BundleEntry[]> {
    const entries: BundleEntry[] = [];
    let bundle = (await client.search({ resourceType: c.resourceType, searchParams: { ...c.params, _count: '50' } })) as Bundle;
    for (let pages = 0; pages < 200; pages++) {
      entries.push(...(bundle.entry ?? []));
      if (!bundle.link?.some((l) => l.relation === 'next')) return entries;
      bundle = (await client.nextPage({ bundle })) as Bundle;
    }
    throw new Error('more than 200 pages');
  }

  it('answers every search case with exactly the expected set', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    for (const c of cases) {
      const expected = new Set([...loaded.values()].filter(c.matches).map(keyOf));
      let entries: BundleEntry[];
      try {
        entries = await searchAll(c);
      } catch (err) {
        problems.push(`${c.name}: ${err instanceof Error ? err.message : String(err)} ${JSON.stringify((err as { response?: { data?: unknown } }).response?.data ?? '').slice(0, 300)}`);
        continue;
      }
      const matches = entries.filter((e) => (e.search?.mode ?? 'match') === 'match' && e.resource).map((e) => e.resource as Resource);
      const got = matches.map(keyOf);
      if (new Set(got).size !== got.length) problems.push(`${c.name}: duplicates across pages`);
      const gotSet = new Set(got);
      const missing = [...expected].filter((k) => !gotSet.has(k));
      const extra = got.filter((k) => !expected.has(k));
      if (missing.length || extra.length) problems.push(`${c.name}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')}); expected ${expected.size}`);
      if (c.included) {
        const wantIncluded = c.included([...loaded.values()].filter(c.matches));
        const gotIncluded = new Set(entries.filter((e) => e.search?.mode === 'include' && e.resource).map((e) => keyOf(e.resource as Resource)));
        const missingIncluded = [...wantIncluded].filter((k) => !gotIncluded.has(k) && !gotSet.has(k));
        if (missingIncluded.length) problems.push(`${c.name}: ${missingIncluded.length} included resources missing (${missingIncluded.slice(0, 3).join(', ')})`);
        if (wantIncluded.size === 0) problems.push(`${c.name}: the data gives nothing to include; pick another case`);
      }
      if (c.ordered) {
        for (let i = 1; i < matches.length; i++) {
          if (c.ordered(matches[i - 1], matches[i]) > 0) {
            problems.push(`${c.name}: out of order at ${i}`);
            break;
          }
        }
      }
      if (expected.size === 0) problems.push(`${c.name}: the data gives an empty expected set; pick a case that can fail`);
    }
    expect(problems).toEqual([]);
  });
});
