import { cpus, freemem, loadavg, totalmem, type, release } from 'node:os';
import type { AbReport } from './ab.js';
import type { EngineName } from './engines.js';
import type { ScenarioResult } from './scenarios.js';

export interface EngineReport {
  engine: EngineName;
  version: string;
  seeded: { people: number; patientResources: number; seconds: number; clinical?: boolean; skippedReason?: string };
  searchTenant?: { id: string; patients: number };
  providers: string;
  scenarios: ScenarioResult[];
  /** Set by an A/B run (--ab) instead of `scenarios`. */
  ab?: AbReport;
  error?: string;
}

export interface BenchReport {
  date: string;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; freeMemoryGiB: number; os: string; node: string; loadAverageAtStart: number[] };
  options: Record<string, unknown>;
  engines: EngineReport[];
  targets: typeof TARGETS;
}

/** The targets on PostgreSQL (compared in the printed table, never used to alter a figure). */
export const TARGETS = {
  create: { minReqPerSec: 1_000 },
  read: { minReqPerSec: 5_000 },
  search: { minReqPerSec: 1_500, withPatients: 100_000 },
  transaction: { maxP50Ms: 1_000 },
} as const;

export function describeMachine(): BenchReport['machine'] {
  const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    os: `${type()} ${release()}`,
    node: process.version,
    // Other work on the machine skews every figure; the 1/5/15-minute load averages say how much there was.
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

function verdict(r: ScenarioResult): string {
  if (r.skipped) return 'not run';
  if (r.ok === 0) return 'failed';
  switch (r.scenario) {
    case 'create':
      return r.reqPerSec >= TARGETS.create.minReqPerSec ? 'meets ≥1,000/s' : 'below ≥1,000/s';
    case 'read':
      return r.reqPerSec >= TARGETS.read.minReqPerSec ? 'meets ≥5,000/s' : 'below ≥5,000/s';
    case 'search':
      return r.reqPerSec >= TARGETS.search.minReqPerSec ? 'meets ≥1,500/s' : 'below ≥1,500/s';
    case 'transaction':
      return r.latencyMs.p50 < TARGETS.transaction.maxP50Ms ? 'meets < 1 s' : 'above 1 s';
    default:
      return '';
  }
}

/** Renders the results as a Markdown table (printed, and pasted into BENCHMARKS.md). */
export function formatTable(report: BenchReport): string {
  const lines = [
    '| engine | scenario | conns | 2xx req/s | p50 ms | p99 ms | 2xx | non-2xx | errors | target (PostgreSQL) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const engine of report.engines) {
    if (engine.error) lines.push(`| ${engine.engine} | (run failed: ${engine.error.split('\n')[0]}) | | | | | | | | |`);
    for (const r of engine.scenarios) {
      if (r.skipped) {
        lines.push(`| ${engine.engine} | ${r.scenario} | ${r.connections} | — | — | — | — | — | — | not run: ${r.skipped.replace(/\|/g, '/')} |`);
        continue;
      }
      lines.push(
        `| ${engine.engine} | ${r.scenario} | ${r.connections} | ${r.reqPerSec.toLocaleString('en-US')} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.ok} | ${r.non2xx} | ${r.errors} | ${verdict(r)} |`,
      );
    }
  }
  return lines.join('\n');
}
