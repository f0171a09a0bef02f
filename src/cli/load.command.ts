import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig } from '../platform/config/config.js';
import { flagString, type CliArgs, type CliCommand } from './args.js';
import { createProgressReporter } from './progress.js';

const HELP = [
  'Usage: xietong load <file or directory>... --token <access token> [--url http://127.0.0.1:$PORT]',
  '',
  'Loads FHIR JSON into a running hub through its public API: a Bundle of type batch or',
  'transaction is POSTed to /fhir, a single resource is PUT (when it has an id) or POSTed.',
  'Directories are read for *.json. Synthea\'s hospitalInformation* and practitionerInformation*',
  'files go first, because patient bundles reference them conditionally.',
  'Get a demo token with: TOKEN=$(xietong token --demo | tail -n 1)',
].join('\n');

function collectFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name.endsWith('.json')) files.push(join(path, name));
    } else files.push(path);
  }
  const rank = (file: string) => (/^hospitalInformation/.test(basename(file)) ? 0 : /^practitionerInformation/.test(basename(file)) ? 1 : 2);
  return files.sort((a, b) => rank(a) - rank(b));
}

function requestFor(resource: { resourceType?: string; id?: string; type?: string }): { method: 'POST' | 'PUT'; path: string } {
  if (resource.resourceType === 'Bundle' && (resource.type === 'batch' || resource.type === 'transaction')) return { method: 'POST', path: '' };
  if (resource.id) return { method: 'PUT', path: `/${resource.resourceType}/${encodeURIComponent(resource.id)}` };
  return { method: 'POST', path: `/${resource.resourceType}` };
}

/** Counts failed entries of a batch-response (a transaction either fully succeeds or fails as a whole). */
function failedEntries(body: { resourceType?: string; entry?: Array<{ response?: { status?: string } }> }): number {
  if (body.resourceType !== 'Bundle') return 0;
  return (body.entry ?? []).filter((e) => !/^2\d\d/.test(e.response?.status ?? '')).length;
}

async function run(args: CliArgs): Promise<number> {
  const config = loadConfig();
  const token = flagString(args, 'token');
  if (!token) {
    console.error('xietong load: --token is required (for the demo: TOKEN=$(xietong token --demo | tail -n 1))');
    return 2;
  }
  if (args.positional.length === 0) {
    console.error('xietong load: name at least one file or directory');
    return 2;
  }
  const base = (flagString(args, 'url') ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
  const files = collectFiles(args.positional);
  const progress = createProgressReporter({ label: 'load', total: files.length, unit: 'files' });
  let failures = 0;
  for (const [index, file] of files.entries()) {
    const resource = JSON.parse(readFileSync(file, 'utf8'));
    const { method, path } = requestFor(resource);
    const response = await fetch(`${base}/fhir${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    const body = await response.json().catch(() => ({}));
    const failed = response.ok ? failedEntries(body) : 1;
    if (failed > 0) {
      failures++;
      const text = body?.issue?.[0]?.details?.text ?? `${failed} entries failed`;
      console.error(`\n${basename(file)}: HTTP ${response.status}: ${text}`);
    }
    progress.update(index + 1, basename(file));
  }
  progress.finish(failures === 0 ? 'all loaded' : `${failures} file(s) with failures`);
  return failures === 0 ? 0 : 1;
}

export const command: CliCommand = { help: HELP, run };
