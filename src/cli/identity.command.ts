import { evaluateFiles, type EvalReport } from '../modules/identity/index.js';
import { flagString, type CliArgs, type CliCommand } from './args.js';

const HELP = [
  'Usage: xietong identity eval <file.csv> [<file2.csv>] [--json] [--format febrl|generic] [--drop-id] [--u candidates|population]',
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
    `seconds              ${r.seconds.toFixed(2)}`,
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

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    const sub = args.positional[0];
    if (sub === 'eval') return runEval(args);
    console.error(sub ? `identity: unknown subcommand "${sub}"\n\n${HELP}` : HELP);
    return 2;
  },
};
