import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import { DEFAULT_LOG_ID, readLatestTreeHead, signTreeHead, treeHeadCheckpoint, verifyAuditLog, type AuditVerifyReport } from '../modules/audit/index.js';
import { flagInt, flagString, type CliArgs, type CliCommand } from './args.js';

const HELP = [
  'Usage: xietong audit <verify|sign|head> [options]',
  '',
  '  verify   recompute every leaf hash and the whole Merkle tree, check every stored subtree hash',
  '           and every signed tree head; exit 0 when intact, 1 naming the first problem',
  '  sign     sign the current tree head now and print it',
  '  head     print the latest signed tree head',
  '',
  'Options:',
  '  --log <id>      audit log id (default main)',
  '  --batch <n>     leaves read per query by verify (default 5000)',
  '  --json          print the result as JSON',
].join('\n');

function printReport(report: AuditVerifyReport): void {
  const seconds = (report.durationMs / 1000).toFixed(2);
  if (report.ok) {
    console.log(
      `audit log ${report.logId}: OK: ${report.leavesChecked} leaves, ${report.nodesChecked} subtree hashes, ` +
        `${report.treeHeadsChecked} signed tree heads checked in ${seconds} s`,
    );
    return;
  }
  console.log(`audit log ${report.logId}: TAMPERED: ${report.problemCount} problem(s) found in ${seconds} s (tree size ${report.treeSize})`);
  console.log(`first: ${report.problems[0].message}`);
  for (const problem of report.problems) console.log(`  - [${problem.kind}] ${problem.message}`);
  if (report.problemCount > report.problems.length) console.log(`  … and ${report.problemCount - report.problems.length} more`);
}

async function run(args: CliArgs): Promise<number> {
  const [sub] = args.positional;
  if (!sub || !['verify', 'sign', 'head'].includes(sub)) {
    console.error(sub ? `xietong audit: unknown subcommand "${sub}"` : 'xietong audit: missing subcommand');
    console.error(HELP);
    return 2;
  }
  const logId = flagString(args, 'log') ?? DEFAULT_LOG_ID;
  const json = args.flags.json === true;
  const batchSize = flagInt(args, 'batch', 5000);
  if (batchSize < 1) throw new Error('--batch must be at least 1');
  const db = await openDb(loadConfig());
  try {
    if (sub === 'verify') {
      const report = await verifyAuditLog(db, { logId, batchSize });
      if (json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
      return report.ok ? 0 : 1;
    }
    const head = sub === 'sign' ? await signTreeHead(db, logId) : await readLatestTreeHead(db, logId);
    if (!head) {
      console.error(`audit log ${logId}: no signed tree head yet (run xietong audit sign)`);
      return 1;
    }
    const wire = { ...head, rootHash: head.rootHash.toString('base64'), signature: head.signature.toString('base64'), checkpoint: treeHeadCheckpoint(head) };
    if (json) console.log(JSON.stringify(wire, null, 2));
    else console.log(`${wire.checkpoint}\n— ${head.keyId} ${wire.signature}`);
    return 0;
  } finally {
    await db.close();
  }
}

export const command: CliCommand = { help: HELP, run };
