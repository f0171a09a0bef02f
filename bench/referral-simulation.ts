// `npm run bench:referrals [-- options]`: one simulated month of two-way referral in the demo region,
// every step through the referral HTTP API, with the services' clock set to simulated time.
// Reports wall-clock throughput, SLA breaches and loop-closure figures. See BENCHMARKS.md.
import '../src/platform/runtime/node-globals.js';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { createAppDeps } from '../src/app.js';
import { flagInt, flagString, parseCliArgs } from '../src/cli/args.js';
import { storeResourcesBulk } from '../src/modules/fhir-store/index.js';
import { INSTITUTIONS, type InstitutionSpec } from '../src/modules/demo-region/region.data.js';
import { referralRoutes, referralSettings, sweepReferralSlas } from '../src/modules/referrals/index.js';
import { loadConfig } from '../src/platform/config/config.js';
import { installContentTypes } from '../src/platform/http/content-types.js';
import { installErrorHandling } from '../src/platform/http/error-handler.js';
import { migrate, openPgliteDb, openPostgresDb } from '../src/platform/storage/index.js';
import { createPlan, type PlannedStep } from './referral-plan.js';

const HELP = `Usage: npm run bench:referrals -- [--days 30] [--per-day 300] [--concurrency 8] [--seed 1] [--start 2026-09-01]
Storage: PostgreSQL at DATABASE_URL (a fresh set of institutions), else an in-memory PGlite.`;

const args = parseCliArgs(process.argv.slice(2));
if (args.flags.help) {
  console.log(HELP);
  process.exit(0);
}
const days = flagInt(args, 'days', 30);
const perDay = flagInt(args, 'per-day', 300);
const concurrency = flagInt(args, 'concurrency', 8);
const seed = flagInt(args, 'seed', 1);
const start = new Date(`${flagString(args, 'start') ?? '2026-09-01'}T00:00:00+08:00`);

let simNow = start;
const db = process.env.DATABASE_URL ? await openPostgresDb(process.env.DATABASE_URL, concurrency + 2) : await openPgliteDb();
await migrate(db);
const config = loadConfig({}, { baseUrl: 'http://sim.local', dataDir: '/tmp/xietong-referral-sim', referralSweepSeconds: 0 });
const deps = await createAppDeps(config, db);
const app = Fastify({ logger: false });
installContentTypes(app);
installErrorHandling(app);
await app.register(referralRoutes, { prefix: '/api/referrals', deps, clock: () => simNow });
const base = await app.listen({ host: '127.0.0.1', port: 0 });

// A fresh copy of the demo region's nine institutions (prefixed, so a shared database is fine).
const prefix = `sim${randomUUID().slice(0, 6)}-`;
const institutions: InstitutionSpec[] = INSTITUTIONS.map((i) => ({ ...i, id: prefix + i.id }));
const tokens = new Map<string, string>();
const patients = new Map<string, string[]>();
const documents = new Map<string, string>();
const reports = new Map<string, string>();
const t0 = Date.now();
for (const inst of institutions) {
  await db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [inst.id, inst.name, inst.kind]);
  const issued = await deps.tokens.mint({ tenantId: inst.id, actor: { kind: 'user', id: `sim-${inst.id}`, display: 'sim', roles: ['clinician', 'referral-coordinator'] }, scope: 'user/*.cruds' }, 365 * 86_400);
  tokens.set(inst.id, issued.access_token);
  const people = Array.from({ length: 400 }, (_, k) => ({
    resourceType: 'Patient' as const, id: `p-${k}`, name: [{ text: `模拟患者${k}` }],
    identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: `${inst.id}-${k}` }],
  }));
  await storeResourcesBulk(db, inst.id, people);
  patients.set(inst.id, people.map((p) => p.id));
  const [doc, report] = await storeResourcesBulk(db, inst.id, [
    { resourceType: 'DocumentReference', id: 'discharge-summary', status: 'current', content: [{ attachment: { contentType: 'text/plain', title: '出院小结' } }] },
    { resourceType: 'DiagnosticReport', id: 'consult-report', status: 'final', code: { text: '会诊报告' } },
  ]);
  documents.set(inst.id, `DocumentReference/${doc.id}`);
  reports.set(inst.id, `DiagnosticReport/${report.id}`);
}
process.stderr.write(`sim: ${institutions.length} institutions prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s (${db.engine})\n`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field
type Json = any;

async function call(tenant: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${tokens.get(tenant)}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const plan = createPlan({ institutions, patients, documents, reports, days, perDay, start, seed });
const ids = new Map<number, string>();
const stats = { requests: 0, byStatus: new Map<number, number>(), latencies: [] as number[], skipped: 0, errors: new Map<string, number>() };

async function runStep(step: PlannedStep): Promise<void> {
  const startedAt = performance.now();
  let res;
  if (step.kind === 'create') {
    res = await call(step.tenant, 'POST', '/api/referrals', step.body);
    if (res.status === 201) ids.set(step.referral, res.json.referral.id);
  } else {
    const id = ids.get(step.referral);
    if (!id) { stats.skipped++; return; }
    res = await call(step.tenant, 'POST', `/api/referrals/${id}/transitions`, step.body);
  }
  stats.latencies.push(performance.now() - startedAt);
  stats.requests++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  if (res.status >= 400) {
    const code = `${step.kind === 'create' ? 'create' : String(step.body.action)}: ${res.json?.issue?.[0]?.details?.coding?.[0]?.code ?? res.status}`;
    stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
  }
}

// Steps run in 5-minute windows of simulated time: the clock reads the window start, the window's steps run concurrently
// (a referral's own steps are never in the same window: the plan spaces them at least 5 minutes apart).
const WINDOW = 5 * 60_000;
const settings = referralSettings(deps);
const wallStart = performance.now();
let index = 0;
let nextSweep = start.getTime() + 3_600_000;
const sweeps = { reminders: 0, escalations: 0, expired: 0 };
while (index < plan.length) {
  const windowStart = Math.floor(plan[index].at.getTime() / WINDOW) * WINDOW;
  while (nextSweep <= windowStart) {
    simNow = new Date(nextSweep);
    const swept = await sweepReferralSlas(db, settings, config.baseUrl, simNow);
    sweeps.reminders += swept.reminders; sweeps.escalations += swept.escalations; sweeps.expired += swept.expired;
    nextSweep += 3_600_000;
  }
  simNow = new Date(windowStart);
  const batch: PlannedStep[] = [];
  while (index < plan.length && plan[index].at.getTime() < windowStart + WINDOW) batch.push(plan[index++]);
  for (let i = 0; i < batch.length; i += concurrency) await Promise.all(batch.slice(i, i + concurrency).map(runStep));
  if (index % 2000 < batch.length) process.stderr.write(`sim: ${simNow.toISOString()} ${index}/${plan.length} steps, ${((performance.now() - wallStart) / 1000).toFixed(0)} s\n`);
}
const wallSeconds = (performance.now() - wallStart) / 1000;
simNow = new Date(start.getTime() + days * 86_400_000);
await sweepReferralSlas(db, settings, config.baseUrl, simNow);

const analyst = await deps.tokens.mint({ tenantId: institutions[0].id, actor: { kind: 'user', id: 'sim-analyst', roles: ['regional-analyst'] }, scope: '' });
tokens.set('analyst', analyst.access_token);
const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const measures = (await call('analyst', 'GET', `/api/referrals/measures?from=${day(start)}&to=${day(simNow)}`)).json;
const sorted = [...stats.latencies].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const own = measures.monthly.filter((m: { institution: string }) => m.institution.startsWith(prefix));
console.log(JSON.stringify({
  engine: db.engine, days, perDay, referralsPlanned: plan.filter((s) => s.kind === 'create').length, concurrency,
  requests: stats.requests, skipped: stats.skipped, statuses: Object.fromEntries(stats.byStatus), errors: Object.fromEntries(stats.errors), wallSeconds: Math.round(wallSeconds),
  requestsPerSecond: Math.round((stats.requests / wallSeconds) * 10) / 10,
  latencyMs: { p50: Math.round(pct(0.5)), p95: Math.round(pct(0.95)), p99: Math.round(pct(0.99)) },
  sweeps, measures: { counts: measures.counts, loopClosureRate: measures.loopClosureRate, loopClosureRateOfAccepted: measures.loopClosureRateOfAccepted, sla: measures.sla, timesHours: measures.timesHours, declineReasons: measures.declineReasons.map((d: { code: string; n: number }) => [d.code, d.n]) },
  monthlyRows: own.length,
}, null, 2));
await app.close();
await db.close();
