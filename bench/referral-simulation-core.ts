// The referral simulation's engine, shared by `npm run bench:referrals` (bench/referral-simulation.ts) and the
// console test that checks the measures page against it (test/browser/referral-measures.int.test.ts).
// It runs N simulated days of the demo region's referrals against a given hub database, every step through the
// referral HTTP API with the services' clock set to simulated time, and keeps its own ledger of what each
// successful step did, so its figures come from its steps, never from the measures API.
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../src/app.js';
import { storeResourcesBulk } from '../src/modules/fhir-store/index.js';
import { INSTITUTIONS, type InstitutionSpec } from '../src/modules/demo-region/region.data.js';
import { referralRoutes, referralSettings, sweepReferralSlas } from '../src/modules/referrals/index.js';
import { installContentTypes } from '../src/platform/http/content-types.js';
import { installErrorHandling } from '../src/platform/http/error-handler.js';
import type { Db } from '../src/platform/storage/index.js';
import { createPlan, type PlannedStep } from './referral-plan.js';

export interface SimulationOptions {
  deps: AppDeps;
  db: Db;
  days: number;
  perDay: number;
  /** Midnight (CST) of the first simulated day. */
  start: Date;
  seed?: number;
  /** Steps of one 5-minute window run at most this many at a time. */
  concurrency?: number;
  /** Patients created per institution (the plan picks from them). */
  patientsPerInstitution?: number;
  /** Prefix of the simulated institutions' ids; a fresh one by default, so a shared database is fine. */
  prefix?: string;
  log?: (line: string) => void;
}

/** One referral as the simulation's own steps left it. */
export interface SimReferral {
  id: string;
  sender: string;
  receiver: string;
  direction: 'up' | 'down' | 'lateral';
  /** The simulated clock when the create (or the forward that made it) was answered 2xx. */
  requestedAt: Date;
  state: string;
  acceptedAt?: Date;
  appointmentAt?: Date;
  reportReturnedAt?: Date;
  declineReason?: string;
}

export interface SimulationRun {
  prefix: string;
  institutions: InstitutionSpec[];
  start: Date;
  /** Simulated end: start + days. */
  end: Date;
  referralsPlanned: number;
  requests: number;
  skipped: number;
  statuses: Record<number, number>;
  errors: Record<string, number>;
  latenciesMs: number[];
  wallSeconds: number;
  sweeps: { reminders: number; escalations: number; expired: number };
  referrals: SimReferral[];
}

const H = 3_600_000;
/** Steps run in 5-minute windows of simulated time (the plan spaces a referral's own steps further apart). */
const WINDOW = 5 * 60_000;
const LEVEL: Record<string, number> = { 'community-health-centre': 1, 'district-hospital': 2, 'tertiary-hospital': 3 };

/** The direction the simulation means by construction: towards a higher level of care is up. */
function directionOf(sender: InstitutionSpec, receiver: InstitutionSpec): SimReferral['direction'] {
  const s = LEVEL[sender.kind];
  const r = LEVEL[receiver.kind];
  return s === r ? 'lateral' : r > s ? 'up' : 'down';
}

/** States a successful transition leads to (the plan only uses these actions). */
const TO_STATE: Record<string, string> = {
  accept: 'accepted', decline: 'declined', forward: 'forwarded', cancel: 'cancelled', schedule: 'scheduled',
  start: 'in-progress', complete: 'completed', 'return-report': 'report-returned', 'no-show': 'no-show',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field
type Json = any;

/** Creates the institutions, their Patients and documents, then plays the plan through the referral API. */
export async function runReferralSimulation(o: SimulationOptions): Promise<SimulationRun> {
  const { deps, db } = o;
  const log = o.log ?? (() => {});
  const concurrency = o.concurrency ?? 8;
  const start = o.start;
  let simNow = start;
  const app = Fastify({ logger: false });
  installContentTypes(app);
  installErrorHandling(app);
  await app.register(referralRoutes, { prefix: '/api/referrals', deps, clock: () => simNow });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const prefix = o.prefix ?? `sim${randomUUID().slice(0, 6)}-`;
    const institutions: InstitutionSpec[] = INSTITUTIONS.map((i) => ({ ...i, id: prefix + i.id }));
    const byId = new Map(institutions.map((i) => [i.id, i]));
    const tokens = new Map<string, string>();
    const patients = new Map<string, string[]>();
    const documents = new Map<string, string>();
    const reports = new Map<string, string>();
    const t0 = Date.now();
    for (const inst of institutions) {
      await db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [inst.id, inst.name, inst.kind]);
      const issued = await deps.tokens.mint({ tenantId: inst.id, actor: { kind: 'user', id: `sim-${inst.id}`, display: 'sim', roles: ['clinician', 'referral-coordinator'] }, scope: 'user/*.cruds' }, 365 * 86_400);
      tokens.set(inst.id, issued.access_token);
      const people = Array.from({ length: o.patientsPerInstitution ?? 400 }, (_, k) => ({
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
    log(`sim: ${institutions.length} institutions prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s (${db.engine})`);

    const call = async (tenant: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await fetch(`${base}${path}`, {
        method, headers: { authorization: `Bearer ${tokens.get(tenant)}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };

    const plan = createPlan({ institutions, patients, documents, reports, days: o.days, perDay: o.perDay, start, seed: o.seed ?? 1 });
    const ledger = new Map<number, SimReferral>();
    const forwarded: SimReferral[] = [];
    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    const latenciesMs: number[] = [];
    let requests = 0;
    let skipped = 0;

    const runStep = async (step: PlannedStep): Promise<void> => {
      const now = simNow; // the clock the services read for this step (it moves only between windows)
      const startedAt = performance.now();
      let res;
      const own = ledger.get(step.referral);
      if (step.kind === 'create') {
        res = await call(step.tenant, 'POST', '/api/referrals', step.body);
        if (res.status === 201) {
          const sender = byId.get(step.tenant)!;
          const receiver = byId.get(String(step.body.receiver))!;
          ledger.set(step.referral, { id: res.json.referral.id, sender: sender.id, receiver: receiver.id, direction: directionOf(sender, receiver), requestedAt: now, state: 'requested' });
        }
      } else {
        if (!own) { skipped++; return; }
        res = await call(step.tenant, 'POST', `/api/referrals/${own.id}/transitions`, step.body);
        if (res.status >= 200 && res.status < 300) applyToLedger(own, step.body, now, res.json, forwarded);
      }
      latenciesMs.push(performance.now() - startedAt);
      requests++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 400) {
        const code = `${step.kind === 'create' ? 'create' : String(step.body.action)}: ${res.json?.issue?.[0]?.details?.coding?.[0]?.code ?? res.status}`;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    };

    const settings = referralSettings(deps);
    const sweeps = { reminders: 0, escalations: 0, expired: 0 };
    // The sweeper expires referrals still unanswered after expiryDays; the ledger applies the same rule at the same
    // simulated hour (the rule is the module's documented behaviour; which rows it hit is not read back).
    const sweep = async (at: Date) => {
      simNow = at;
      const swept = await sweepReferralSlas(db, settings, deps.config.baseUrl, at);
      sweeps.reminders += swept.reminders; sweeps.escalations += swept.escalations; sweeps.expired += swept.expired;
      const cutoff = at.getTime() - settings.expiryDays * 86_400_000;
      for (const r of [...ledger.values(), ...forwarded]) if (r.state === 'requested' && r.requestedAt.getTime() <= cutoff) r.state = 'expired';
    };
    const wallStart = performance.now();
    let index = 0;
    let nextSweep = start.getTime() + H;
    while (index < plan.length) {
      const windowStart = Math.floor(plan[index].at.getTime() / WINDOW) * WINDOW;
      while (nextSweep <= windowStart) {
        await sweep(new Date(nextSweep));
        nextSweep += H;
      }
      simNow = new Date(windowStart);
      const batch: PlannedStep[] = [];
      while (index < plan.length && plan[index].at.getTime() < windowStart + WINDOW) batch.push(plan[index++]);
      for (let i = 0; i < batch.length; i += concurrency) await Promise.all(batch.slice(i, i + concurrency).map(runStep));
      if (index % 2000 < batch.length) log(`sim: ${simNow.toISOString()} ${index}/${plan.length} steps, ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
    }
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const end = new Date(start.getTime() + o.days * 86_400_000);
    await sweep(end);
    return {
      prefix, institutions, start, end, referralsPlanned: plan.filter((s) => s.kind === 'create').length,
      requests, skipped, statuses: Object.fromEntries(statuses), errors: Object.fromEntries(errors), latenciesMs, wallSeconds, sweeps,
      referrals: [...ledger.values(), ...forwarded],
    };
  } finally {
    await app.close();
  }
}

function applyToLedger(r: SimReferral, body: Record<string, unknown>, now: Date, json: Json, forwarded: SimReferral[]): void {
  const action = String(body.action);
  r.state = TO_STATE[action] ?? r.state;
  if (action === 'accept') r.acceptedAt = now;
  if (action === 'decline') r.declineReason = String(body.reason);
  if (action === 'schedule') r.appointmentAt = new Date(String(body.appointmentAt));
  if (action === 'return-report') r.reportReturnedAt = now;
  if (action === 'forward') {
    // Forwarding hands the request on as a new referral from the same sender, same direction, requested now.
    forwarded.push({ id: String(json.forwardedTo), sender: r.sender, receiver: String(body.receiver), direction: r.direction, requestedAt: now, state: 'requested' });
  }
}
