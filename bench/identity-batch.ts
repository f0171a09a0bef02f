/**
 * Batch-link speed of the regional index (`xietong identity relink` / `identity eval` run the same matcher):
 * generates a demo region's Patient registrations in memory (households, twins, homophones, traditional
 * characters, romanisations, id typos and legacy ids, newborns on the mother's id, moves), runs the batch
 * matcher over all of them and prints the seconds of each phase with the scores against the generator's truth.
 * Generating and parsing the records is not timed; everything the matcher does is.
 *
 *   npx tsx bench/identity-batch.ts [--patients 800000] [--seed 7] [--single-thread] [--json]
 *
 * `--single-thread` keeps the comparisons on one thread (no helper), for a side-by-side comparison.
 *
 * 800,000 patients make about 995,000 records. The target is 1,000,000 records in ≤ 60 s on the
 * 2-core machine.
 */
import '../src/platform/runtime/node-globals.js';
import { cpus } from 'node:os';
import { identityCsvLines } from '../src/modules/demo-region/index.js';
import { evaluateLabelledRecords } from '../src/modules/identity/eval/run-eval.js';
import { parseCsv, rowsToRecords } from '../src/modules/identity/eval/read-records.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const patients = Number(flag('patients', '800000'));
const seed = Number(flag('seed', '7'));
const lines = [...identityCsvLines({ patients, seed })];
const records = rowsToRecords(parseCsv(lines.join('\n')), { source: 'demo' });
lines.length = 0;
const singleThread = process.argv.includes('--single-thread');
const report = evaluateLabelledRecords(records, 'dedup', singleThread ? { parallelMinRecords: Number.POSITIVE_INFINITY } : {});
if (process.argv.includes('--json')) console.log(JSON.stringify({ patients, seed, singleThread, ...report }));
else {
  const phases = Object.entries(report.phases).map(([p, s]) => `${p} ${s.toFixed(1)}`).join(', ');
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(`records ${report.records} (patients ${patients}, seed ${seed}); candidate pairs ${report.candidate_pairs}; ${singleThread ? 'one thread' : 'helper thread from 200,000 records'}`);
  console.log(`seconds ${report.seconds.toFixed(1)} (${phases})`);
  console.log(
    `F1 ${report.f1.toFixed(4)}, precision ${report.precision.toFixed(4)}, recall ${report.recall.toFixed(4)}, cluster F1 ${report.cluster_f1.toFixed(4)}, ` +
      `false merges ${report.false_merges}, auto-link precision ${report.auto_link_precision.toFixed(5)}, review pairs ${report.review_pairs}, ` +
      `pair completeness ${report.pair_completeness.toFixed(4)}`,
  );
}
