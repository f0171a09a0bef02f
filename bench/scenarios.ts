import autocannon, { type RawRequest } from 'autocannon';
import { request as httpRequest } from 'node:http';
import type { SyntheaFixtures } from './fixtures.js';

const FHIR_JSON = 'application/fhir+json';

export interface ScenarioResult {
  scenario: string;
  description: string;
  connections: number;
  durationSeconds: number;
  /** Responses with a 2xx status. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second over the run. */
  reqPerSec: number;
  latencyMs: { p50: number; p99: number; average: number; max: number };
  statusCodes: Record<string, number>;
  /** Set when the scenario could not run (its probe request failed); no figures then. */
  skipped?: string;
}

export interface ScenarioContext {
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  benchToken: string;
  searchToken: string | undefined;
  familyNames: string[];
  synthea: SyntheaFixtures | undefined;
  /** Connections for the ~1 MB transaction (each request is heavy; latency matters more than throughput). */
  transactionConnections: number;
}

interface Plan {
  scenario: string;
  description: string;
  connections: number;
  method: 'GET' | 'POST';
  token: string;
  body?: string;
  /** A different body for each request (the n-th request of the run gets bodyOf(n)); overrides body. */
  bodyOf?: (n: number) => string;
  /** Paths to cycle through. */
  paths: string[];
}

const FAMILIES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '欧阳', '司马'];
const GIVEN = ['秀英', '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '晓明', '子涵', '浩然', '雨桐'];
const DISTRICTS = ['西湖区', '上城区', '拱墅区', '滨江区', '萧山区', '余杭区'];

/**
 * The `n`-th synthetic Patient of a run: a different person each time (name, sex, birth date, phone and
 * address drawn from `n` by a fixed mixing function), as registrations at a real institution are. Posting one
 * body over and over would measure a pathological workload instead: thousands of identical records, which the
 * identity consumer links into one person and compares with each other.
 */
export function samplePatient(n = 0): string {
  // Deterministic 32-bit mixing of n (splitmix-style), so runs are repeatable.
  let x = (n + 0x9e3779b9) >>> 0;
  const next = () => {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    return x;
  };
  const family = FAMILIES[next() % FAMILIES.length]!;
  const given = GIVEN[next() % GIVEN.length]!;
  const birth = new Date(Date.UTC(1935, 0, 1) + (next() % (85 * 365)) * 86_400_000).toISOString().slice(0, 10);
  const phone = `13${String(next() % 1_000_000_000).padStart(9, '0')}`;
  return JSON.stringify({
    resourceType: 'Patient',
    active: true,
    name: [{ use: 'official', family, given: [given], text: `${family}${given}` }],
    gender: next() % 2 ? 'female' : 'male',
    birthDate: birth,
    telecom: [{ system: 'phone', value: phone }],
    address: [{ city: '杭州市', district: DISTRICTS[next() % DISTRICTS.length], line: [`文三路 ${1 + (next() % 500)} 号`] }],
  });
}

async function probe(ctx: ScenarioContext, plan: Plan): Promise<string | undefined> {
  const res = await fetch(`${ctx.baseUrl}${plan.paths[0]}`, {
    method: plan.method,
    headers: { authorization: `Bearer ${plan.token}`, 'content-type': FHIR_JSON, accept: FHIR_JSON },
    body: plan.bodyOf ? plan.bodyOf(-1) : plan.body,
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return undefined;
  let detail = text.slice(0, 300);
  try {
    const outcome = JSON.parse(text) as { issue?: { details?: { text?: string }; diagnostics?: string }[] };
    detail = outcome.issue?.map((issue) => issue.details?.text ?? issue.diagnostics).join('; ') ?? detail;
  } catch {
    // not JSON: keep the raw text
  }
  return `probe ${plan.method} ${plan.paths[0].slice(0, 60)} answered HTTP ${res.status}: ${detail}`;
}

async function runPlan(ctx: ScenarioContext, plan: Plan): Promise<ScenarioResult> {
  const base: ScenarioResult = {
    scenario: plan.scenario,
    description: plan.description,
    connections: plan.connections,
    durationSeconds: ctx.durationSeconds,
    ok: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    reqPerSec: 0,
    latencyMs: { p50: 0, p99: 0, average: 0, max: 0 },
    statusCodes: {},
  };
  const skipped = await probe(ctx, plan);
  if (skipped) return { ...base, skipped };

  let next = 0;
  let sent = 0;
  const result = await autocannon({
    url: ctx.baseUrl,
    connections: plan.connections,
    duration: ctx.durationSeconds,
    timeout: 30,
    title: plan.scenario,
    requests: [
      {
        method: plan.method,
        headers: { authorization: `Bearer ${plan.token}`, 'content-type': FHIR_JSON, accept: FHIR_JSON },
        body: plan.body,
        setupRequest: (request: RawRequest) => ({
          ...request,
          path: plan.paths[next++ % plan.paths.length],
          ...(plan.bodyOf ? { body: plan.bodyOf(sent++) } : {}),
        }),
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number(count);
    if (code.startsWith('2')) ok += Number(count);
  }
  return {
    ...base,
    durationSeconds: result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: Math.round((ok / result.duration) * 10) / 10,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
    statusCodes,
  };
}

/** Up to `count` ids of Patients the bench client's institution already holds. */
async function existingPatientIds(ctx: ScenarioContext, count: number): Promise<string[]> {
  const res = await fetch(`${ctx.baseUrl}/fhir/Patient?_count=${count}&_elements=id`, {
    headers: { authorization: `Bearer ${ctx.benchToken}`, accept: FHIR_JSON },
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status !== 200) return [];
  const bundle = (await res.json()) as { entry?: Array<{ resource?: { id?: string } }> };
  return (bundle.entry ?? []).flatMap((e) => (e.resource?.id ? [e.resource.id] : []));
}

/** Creates `count` Patients one by one and returns their ids (the read scenario cycles over them). */
async function createPatients(ctx: ScenarioContext, count: number): Promise<string[]> {
  const ids: string[] = [];
  // People of this run only: the same 200 in every run's new bench institution would be linked across
  // them by the identity index, and each run would then rewrite the links of all earlier copies.
  const run = Date.now() * 1000;
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${ctx.baseUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.benchToken}`, 'content-type': FHIR_JSON },
      body: samplePatient(run + i),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 201) return ids;
    const created = (await res.json()) as { id?: string };
    if (created.id) ids.push(created.id);
  }
  return ids;
}

/**
 * POSTs a large body with node:http: fetch (undici) gives up after 300 s
 * without response headers, and a 3.6 MB batch Bundle can take longer.
 */
function postLong(url: string, token: string, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts the batch Bundles that the Synthea patient bundles reference; returns a line for the report. */
export async function loadSyntheaProviders(ctx: ScenarioContext): Promise<string> {
  if (!ctx.synthea) return 'Synthea fixtures not found';
  const parts: string[] = [];
  for (const fixture of [ctx.synthea.hospital, ctx.synthea.practitioner]) {
    const started = Date.now();
    try {
      const status = await postLong(`${ctx.baseUrl}/fhir`, ctx.benchToken, fixture.body, 1_800_000);
      parts.push(`${fixture.file}: HTTP ${status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      parts.push(`${fixture.file}: failed after ${((Date.now() - started) / 1000).toFixed(1)} s (${(err as Error).message})`);
    }
  }
  return parts.join('; ');
}

/** Runs every scenario in order against a running hub. */
export async function runScenarios(ctx: ScenarioContext, only: readonly string[] | undefined): Promise<ScenarioResult[]> {
  const wanted = (name: string) => !only || only.includes(name);
  const results: ScenarioResult[] = [];
  const log = (r: ScenarioResult) =>
    process.stderr.write(
      r.skipped ? `bench:   ${r.scenario}: skipped (${r.skipped})\n` : `bench:   ${r.scenario}: ${r.reqPerSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}\n`,
    );

  if (wanted('create')) {
    const runSeed = Date.now() * 1000;
    const r = await runPlan(ctx, {
      scenario: 'create',
      description: 'POST /fhir/Patient, a different person each time',
      connections: ctx.connections,
      method: 'POST',
      token: ctx.benchToken,
      bodyOf: (n) => samplePatient(runSeed + n),
      paths: ['/fhir/Patient'],
    });
    results.push(r);
    log(r);
  }
  if (wanted('read')) {
    // Read Patients already there (a kept schema): new ones would start identity matching and write-back
    // in the hub, which then competes with the reads being measured.
    const existing = await existingPatientIds(ctx, 200);
    const ids = existing.length >= 200 ? existing : await createPatients(ctx, 200);
    const r = ids.length
      ? await runPlan(ctx, {
          scenario: 'read',
          description: `GET /fhir/Patient/{id} over ${ids.length} ids`,
          connections: ctx.connections,
          method: 'GET',
          token: ctx.benchToken,
          paths: ids.map((id) => `/fhir/Patient/${id}`),
        })
      : { ...emptyResult('read', 'GET /fhir/Patient/{id}', ctx), skipped: 'could not create the Patients to read' };
    results.push(r);
    log(r);
  }
  if (wanted('search')) {
    const r =
      ctx.searchToken && ctx.familyNames.length
        ? await runPlan(ctx, {
            scenario: 'search',
            description: `GET /fhir/Patient?family=… over ${ctx.familyNames.length} seeded family names`,
            connections: ctx.connections,
            method: 'GET',
            token: ctx.searchToken,
            paths: ctx.familyNames.map((family) => `/fhir/Patient?family=${encodeURIComponent(family)}`),
          })
        : { ...emptyResult('search', 'GET /fhir/Patient?family=…', ctx), skipped: 'no seeded Patients to search' };
    results.push(r);
    log(r);
  }
  if (wanted('transaction')) {
    const r = ctx.synthea
      ? await runPlan(ctx, {
          scenario: 'transaction',
          description: `POST /fhir transaction Bundle ${ctx.synthea.patient.file.split('_')[0]} (${(ctx.synthea.patient.bytes / 1024 / 1024).toFixed(2)} MB, ${ctx.synthea.patient.entries} entries)`,
          connections: ctx.transactionConnections,
          method: 'POST',
          token: ctx.benchToken,
          body: ctx.synthea.patient.body,
          paths: ['/fhir'],
        })
      : { ...emptyResult('transaction', 'POST /fhir transaction Bundle', ctx), skipped: 'Synthea fixtures not found' };
    results.push(r);
    log(r);
  }
  return results;
}

function emptyResult(scenario: string, description: string, ctx: ScenarioContext): ScenarioResult {
  return {
    scenario,
    description,
    connections: ctx.connections,
    durationSeconds: 0,
    ok: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    reqPerSec: 0,
    latencyMs: { p50: 0, p99: 0, average: 0, max: 0 },
    statusCodes: {},
  };
}
