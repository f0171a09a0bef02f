import { loadavg } from 'node:os';
import type { HubProcess } from './hub-process.js';
import { runScenarios, type ScenarioContext, type ScenarioResult } from './scenarios.js';

/** One variant of an A/B comparison: a running hub and the environment it was started with. */
export interface AbVariant {
  name: string;
  env: Record<string, string>;
  hub: HubProcess;
}

export interface AbRow {
  scenario: string;
  variant: string;
  env: Record<string, string>;
  /** 2xx req/s of every round, in run order. */
  rounds: number[];
  medianReqPerSec: number;
  medianP50Ms: number;
  medianP99Ms: number;
  non2xx: number;
}

export interface AbReport {
  rounds: number;
  loadAverages: number[][];
  rows: AbRow[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Parses "NAME=value,NAME2=value2" (the --ab flag) into an environment. */
export function parseEnvList(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 1 || !/^[A-Z_][A-Z0-9_]*$/.test(part.slice(0, eq))) throw new Error(`--ab: "${part}" is not NAME=value`);
    env[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return env;
}

/**
 * Runs each scenario on every variant's hub, alternating the order each round
 * (A B, B A, A B, …) so that a change in the machine's load during the run
 * hits both variants alike, and reports the median of the rounds. Both hubs
 * use the same database.
 */
export async function runAb(
  ctx: Omit<ScenarioContext, 'baseUrl'>,
  variants: AbVariant[],
  scenarios: readonly string[],
  rounds: number,
  log: (line: string) => void,
): Promise<AbReport> {
  const results = new Map<string, ScenarioResult[]>();
  const loadAverages: number[][] = [];
  for (let round = 0; round < rounds; round++) {
    loadAverages.push(loadavg().map((v) => Math.round(v * 100) / 100));
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const scenario of scenarios) {
      for (const variant of order) {
        const [result] = await runScenarios({ ...ctx, baseUrl: variant.hub.baseUrl }, [scenario]);
        if (!result) continue;
        const key = `${scenario}\n${variant.name}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        log(`bench: ab round ${round + 1} ${scenario} [${variant.name}] ${result.skipped ? `skipped: ${result.skipped}` : `${result.reqPerSec} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`}`);
      }
    }
  }
  const rows: AbRow[] = [];
  for (const scenario of scenarios) {
    for (const variant of variants) {
      const list = (results.get(`${scenario}\n${variant.name}`) ?? []).filter((r) => !r.skipped);
      if (list.length === 0) continue;
      rows.push({
        scenario,
        variant: variant.name,
        env: variant.env,
        rounds: list.map((r) => r.reqPerSec),
        medianReqPerSec: median(list.map((r) => r.reqPerSec)),
        medianP50Ms: median(list.map((r) => r.latencyMs.p50)),
        medianP99Ms: median(list.map((r) => r.latencyMs.p99)),
        non2xx: list.reduce((sum, r) => sum + r.non2xx, 0),
      });
    }
  }
  return { rounds, loadAverages, rows };
}

/** Markdown table of an A/B report. */
export function formatAbTable(report: AbReport): string {
  const lines = [
    '| scenario | variant | median 2xx req/s | rounds (req/s) | median p50 ms | median p99 ms | non-2xx |',
    '|---|---|---:|---|---:|---:|---:|',
  ];
  for (const row of report.rows) {
    const env = Object.entries(row.env).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(
      `| ${row.scenario} | ${row.variant}${env ? ` (${env})` : ''} | ${row.medianReqPerSec.toLocaleString('en-US')} | ${row.rounds.join(', ')} | ${row.medianP50Ms} | ${row.medianP99Ms} | ${row.non2xx} |`,
    );
  }
  return lines.join('\n');
}
