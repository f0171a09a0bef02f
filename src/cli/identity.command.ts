import { evaluateFiles, relinkAll, type EvalReport, type RelinkProgress } from '../modules/identity/index.js';
import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import { flagString, type CliArgs, type CliCommand } from './args.js';
import { createProgressReporter, formatCount, type ProgressReporter } from './progress.js';

const HELP = [
  'Usage: xietong identity eval <file.csv> [<file2.csv>] [--json] [--format febrl|generic] [--drop-id] [--u candidates|population]',
  '       xietong identity relink [--json]',
  '',
  'relink rebuilds the regional patient index from the stored Patients of every institution: retrains the model',
  '(EM, no labels), reclusters, keeps steward decisions, re-queues uncertain pairs and writes regional ids onto',
  'the Patients. Uses DATABASE_URL or the PGlite data dir (stop a running hub first when on PGlite).',
  '',
  'Runs the master-patient-index matcher (the same code as online matching) over labelled records and reports',
  'pairwise precision / recall / F1, cluster F1, false merges, auto-link precision and review pairs.',
  '  one file      de-duplication within the file',
  '  two files     linkage across the files (each file is one source without duplicates, e.g. FEBRL 4a × 4b)',
  '  --format      febrl (rec_id, given_name, surname, …) or generic (record_id,entity_id,source,name,sex,',
  '                birth_date,id_number,passport,phone,address); detected from the header when omitted',
  '  --drop-id     ignore the national id column (patients without a national id)',
  '  --u           population (default: u from value frequencies and random pairs) or candidates (u by EM',
  '                on the candidate pairs)',
  '  --json        print one JSON object instead of a table',
].join('\n');

function formatReport(r: EvalReport): string {
  const pct = (x: number): string => x.toFixed(4);
  return [
    `records              ${r.records}`,
    `candidate pairs      ${r.candidate_pairs} (pair completeness ${pct(r.pair_completeness)})`,
    `true pairs           ${r.true_pairs}`,
    `predicted pairs      ${r.predicted_pairs}`,
    `precision            ${pct(r.precision)}`,
    `recall               ${pct(r.recall)}`,
    `F1                   ${pct(r.f1)}`,
    `cluster F1           ${pct(r.cluster_f1)}`,
    `false merges         ${r.false_merges} clusters (${r.false_links} wrong pairs)`,
    `auto-link precision  ${pct(r.auto_link_precision)}`,
    `review pairs         ${r.review_pairs}`,
    `EM iterations        ${r.em_iterations}; links refused by the no-chaining rule: ${r.refused_links}`,
    `seconds              ${r.seconds.toFixed(2)} (${Object.entries(r.phases).map(([phase, s]) => `${phase} ${s.toFixed(2)}`).join(', ')})`,
  ].join('\n');
}

async function runEval(args: CliArgs): Promise<number> {
  const files = args.positional.slice(1);
  if (files.length === 0 || files.length > 2) {
    console.error('identity eval: give one CSV file (de-duplication) or two (linkage)\n\n' + HELP);
    return 2;
  }
  const format = flagString(args, 'format');
  if (format !== undefined && format !== 'febrl' && format !== 'generic') {
    console.error(`identity eval: --format must be febrl or generic, got "${format}"`);
    return 2;
  }
  const uEstimate = flagString(args, 'u') ?? 'population';
  if (uEstimate !== 'candidates' && uEstimate !== 'population') {
    console.error(`identity eval: --u must be candidates or population, got "${uEstimate}"`);
    return 2;
  }
  const report = await evaluateFiles(files, { format, dropId: args.flags['drop-id'] === true }, { uEstimate });
  console.log(args.flags.json === true ? JSON.stringify(report) : formatReport(report));
  return 0;
}

async function runRelink(args: CliArgs): Promise<number> {
  const config = loadConfig();
  const db = await openDb(config);
  let bar: ProgressReporter | undefined;
  let phase: RelinkProgress['phase'] | undefined;
  const onProgress = (p: RelinkProgress): void => {
    if (args.flags.json === true) return;
    if (p.phase !== phase) {
      bar?.finish();
      phase = p.phase;
      bar = createProgressReporter({ label: p.phase, total: p.total, unit: p.phase === 'patients' ? 'persons' : 'records' });
    }
    bar?.update(p.done);
  };
  try {
    const r = await relinkAll(db, { baseUrl: config.baseUrl, onProgress });
    bar?.finish();
    if (args.flags.json === true) console.log(JSON.stringify(r));
    else {
      console.log(
        `relinked ${formatCount(r.records)} records into ${formatCount(r.persons)} persons; ${formatCount(r.candidatePairs)} candidate pairs, ` +
          `${formatCount(r.reviewPairs)} for review; ${formatCount(r.patientsWritten)} Patients updated; model ${r.modelId}; ` +
          `seconds read ${r.seconds.read.toFixed(1)}, match ${r.seconds.match.toFixed(1)}, write ${r.seconds.write.toFixed(1)}, patients ${r.seconds.patients.toFixed(1)}`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    const sub = args.positional[0];
    if (sub === 'eval') return runEval(args);
    if (sub === 'relink') return runRelink(args);
    console.error(sub ? `identity: unknown subcommand "${sub}"\n\n${HELP}` : HELP);
    return 2;
  },
};
