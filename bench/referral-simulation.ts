// `npm run bench:referrals [-- options]`: one simulated month of two-way referral in the demo region,
// every step through the referral HTTP API, with the services' clock set to simulated time.
// Reports wall-clock throughput, SLA breaches and loop-closure figures. See BENCHMARKS.md.
// The engine is bench/referral-simulation-core.ts (also used by test/browser/referral-measures.int.test.ts).
import '../src/platform/runtime/node-globals.js';
import { createAppDeps } from '../src/app.js';
import { flagInt, flagString, parseCliArgs } from '../src/cli/args.js';
import { getReferralMeasures } from '../src/modules/referrals/index.js';
import { loadConfig } from '../src/platform/config/config.js';
import { migrate, openPgliteDb, openPostgresDb } from '../src/platform/storage/index.js';
import { runReferralSimulation } from './referral-simulation-core.js';
import { tallySimulation } from './referral-simulation-tally.js';

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

const db = process.env.DATABASE_URL ? await openPostgresDb(process.env.DATABASE_URL, concurrency + 2) : await openPgliteDb();
await migrate(db);
const config = loadConfig({}, { baseUrl: 'http://sim.local', dataDir: '/tmp/xietong-referral-sim', referralSweepSeconds: 0 });
const deps = await createAppDeps(config, db);
const run = await runReferralSimulation({ deps, db, days, perDay, start, seed, concurrency, log: (line) => process.stderr.write(`${line}\n`) });

// The measures as a regional analyst reads them (the same call the console makes), at the simulated month's end.
const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const analyst = { tenantId: run.institutions[0].id, actor: { kind: 'user' as const, id: 'sim-analyst', roles: ['regional-analyst'] }, scopes: [], requestId: 'sim', baseUrl: config.baseUrl };
const measures = await getReferralMeasures(db, analyst, { from: day(start), to: day(run.end) }, run.end);
// The simulation's own figures over the same window, from its steps (they must equal the API's on a fresh database).
const own = tallySimulation(run.referrals, { from: start, to: run.end });
const sorted = [...run.latenciesMs].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
console.log(JSON.stringify({
  engine: db.engine, days, perDay, referralsPlanned: run.referralsPlanned, concurrency,
  requests: run.requests, skipped: run.skipped, statuses: run.statuses, errors: run.errors, wallSeconds: Math.round(run.wallSeconds),
  requestsPerSecond: Math.round((run.requests / run.wallSeconds) * 10) / 10,
  latencyMs: { p50: Math.round(pct(0.5)), p95: Math.round(pct(0.95)), p99: Math.round(pct(0.99)) },
  sweeps: run.sweeps, measures: { counts: measures.counts, loopClosureRate: measures.loopClosureRate, loopClosureRateOfAccepted: measures.loopClosureRateOfAccepted, sla: measures.sla, timesHours: measures.timesHours, declineReasons: measures.declineReasons.map((d) => [d.code, d.n]) },
  monthlyRows: measures.monthly.filter((m) => m.institution.startsWith(run.prefix)).length,
  simulation: {
    prefix: run.prefix, counts: own.counts, loopClosureRate: own.loopClosureRate, loopClosureRateOfAccepted: own.loopClosureRateOfAccepted,
    timesHours: Object.fromEntries(Object.entries(own.timesHours).map(([k, t]) => [k, { n: t.n, median: round1(t.median), p90: round1(t.p90) }])),
    declineReasons: own.declineReasons.map((d) => [d.code, d.n]),
    monthly: own.monthly.map((m) => `${m.month} ${m.institution.slice(run.prefix.length)} ${m.role} ${m.direction} ${m.n}`),
  },
}, null, 2));
await deps.events.stop();
await db.close();
