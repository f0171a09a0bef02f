#!/usr/bin/env node
import './platform/runtime/node-globals.js';
import { parseCliArgs, type CliCommand } from './cli/args.js';

/** The `xietong` CLI. Each command lives in src/cli/<name>.command.ts. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: CliCommand }> }> = {
  serve: { summary: 'run the hub (HTTP API and web console)', load: () => import('./cli/serve.command.js') },
  migrate: { summary: 'apply pending database migrations and exit', load: () => import('./cli/migrate.command.js') },
  seed: { summary: 'load the synthetic demo region (--demo, --patients N, --seed S)', load: () => import('./cli/seed.command.js') },
  load: { summary: 'load FHIR JSON files or bundles into a running hub over HTTP', load: () => import('./cli/load.command.js') },
  client: { summary: 'register a SMART backend-services client for an institution', load: () => import('./cli/client.command.js') },
  token: { summary: 'print an access token (demo mode only)', load: () => import('./cli/token.command.js') },
  audit: { summary: 'verify the tamper-evident audit log, sign or show its tree head', load: () => import('./cli/audit.command.js') },
  identity: { summary: 'master patient index: rebuild the regional index (relink), evaluate the matcher on labelled CSV (eval)', load: () => import('./cli/identity.command.js') },
  reindex: { summary: 'rebuild the FHIR search index from the stored resources (--tenant, --type)', load: () => import('./cli/reindex.command.js') },
};

function printUsage(): void {
  const lines = ['Usage: xietong <command> [options]', '', 'Commands:'];
  for (const [name, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${summary}`);
  lines.push('', 'Run `xietong <command> --help` for the options of one command.');
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`xietong: unknown command "${name}"`);
    printUsage();
    return 2;
  }
  const { command } = await entry.load();
  const args = parseCliArgs(rest);
  if (args.flags.help) {
    console.log(command.help);
    return 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
