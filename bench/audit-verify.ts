/**
 * Benchmark: append N audit events, sign tree heads along the way, then run
 * the full verifier (`xietong audit verify`) over the log and extrapolate to
 * 1,000,000 leaves (verification is one linear pass, so time scales with N).
 *
 *   npx tsx bench/audit-verify.ts [--leaves 100000] [--batch 5000] [--keep]
 *   npx tsx bench/audit-verify.ts --log bench-<uuid> [--batch 5000]   # verify a log kept by --keep again, no append
 *
 * Uses a fresh in-memory PGlite, or PostgreSQL when DATABASE_URL is set
 * (then in its own log id, so the shared database's main log is untouched;
 * that log is deleted afterwards unless --keep).
 */
import '../src/platform/runtime/node-globals.js';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseCliArgs, flagInt, flagString } from '../src/cli/args.js';
import { appendAuditEvents, buildAuditEvent, signTreeHead, verifyAuditLog } from '../src/modules/audit/index.js';
import { migrate, openPgliteDb, openPostgresDb } from '../src/platform/storage/index.js';

const args = parseCliArgs(process.argv.slice(2));
const leaves = flagInt(args, 'leaves', 100_000);
const batchSize = flagInt(args, 'batch', 5000);
const appendBatch = 1000;
const headEvery = 10_000;

const db = process.env.DATABASE_URL ? await openPostgresDb(process.env.DATABASE_URL, 4) : await openPgliteDb();
await migrate(db);
const keptLog = flagString(args, 'log');
const logId = keptLog ?? `bench-${randomUUID()}`;

const appendStart = performance.now();
for (let start = 0; !keptLog && start < leaves; start += appendBatch) {
  const events = Array.from({ length: Math.min(appendBatch, leaves - start) }, (_, k) => {
    const i = start + k;
    return buildAuditEvent({
      tenantId: `hosp-${i % 40}`,
      action: i % 10 === 0 ? 'U' : 'R',
      subtype: i % 10 === 0 ? 'update' : 'read',
      recorded: new Date(Date.UTC(2026, 0, 1) + i * 250),
      agent: { kind: i % 3 === 0 ? 'system' : 'user', id: `actor-${i % 500}`, display: `医生 ${i % 500}`, roles: ['clinician'], network: '10.20.30.40' },
      purposeOfUse: 'TREAT',
      patientId: `patient-${i % 20_000}`,
      resources: [{ type: 'Observation', id: `obs-${i}`, versionId: '1' }],
      requestId: randomUUID(),
    });
  });
  await appendAuditEvents(db, events, { logId });
  if ((start + appendBatch) % headEvery === 0) await signTreeHead(db, logId);
}
if (!keptLog) await signTreeHead(db, logId);
const appendMs = performance.now() - appendStart;
const bytes = await db.query<{ total: number; avg: number }>(
  'SELECT sum(length(leaf_data))::bigint AS total, avg(length(leaf_data))::int AS avg FROM audit_leaves WHERE log_id = $1',
  [logId],
);

const cpuBefore = process.cpuUsage();
const report = await verifyAuditLog(db, { logId, batchSize });
const cpu = process.cpuUsage(cpuBefore);
// CPU time of this process: with PGlite that is all the work (the database runs in-process), and unlike
// wall time it does not grow when other jobs share the machine. With PostgreSQL the server's share is not in it.
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const checked = report.leavesChecked;
const perLeafUs = (report.durationMs * 1000) / checked;
console.log(
  JSON.stringify(
    {
      engine: db.engine,
      logId,
      leaves: checked,
      averageLeafBytes: Number(bytes.rows[0].avg),
      appendSeconds: +(appendMs / 1000).toFixed(2),
      appendsPerSecond: keptLog ? null : Math.round(leaves / (appendMs / 1000)),
      verify: { ok: report.ok, leavesChecked: report.leavesChecked, nodesChecked: report.nodesChecked, treeHeadsChecked: report.treeHeadsChecked, seconds: report.durationMs / 1000 },
      verifyMicrosecondsPerLeaf: +perLeafUs.toFixed(1),
      extrapolatedVerifySecondsFor1M: +((perLeafUs * 1_000_000) / 1e6).toFixed(1),
      verifyProcessCpuSeconds: +cpuSeconds.toFixed(2),
      extrapolatedProcessCpuSecondsFor1M: +((cpuSeconds * 1_000_000) / checked).toFixed(1),
      loadAverage1m: +os.loadavg()[0].toFixed(1),
    },
    null,
    2,
  ),
);
if (db.engine === 'postgres' && args.flags.keep !== true && !keptLog) {
  // The shared database keeps only what tests need: drop the benchmark's own log.
  for (const table of ['audit_leaves', 'audit_nodes', 'audit_tree_heads', 'audit_logs']) {
    await db.query(`DELETE FROM ${table} WHERE log_id = $1`, [logId]);
  }
}
await db.close();
