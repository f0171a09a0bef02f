import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CLIENT_ASSERTION_ALGS,
  generateClientKeyPair,
  registerClient,
  resolveInstitution,
  tokenEndpointUrl,
  writePrivateKeyFile,
  type ClientAssertionAlg,
} from '../modules/access/index.js';
import { loadConfig } from '../platform/config/config.js';
import { isHubError } from '../platform/errors/index.js';
import { openDb } from '../platform/storage/index.js';
import { flagString, type CliArgs, type CliCommand } from './args.js';
import { probeLocalHub } from './running-hub.js';

const HELP = [
  'Usage: xietong client --institution <id or name> --name <client name> [--scope "system/*.cruds"]',
  '                      [--alg ES384|EdDSA|RS384] [--out <dir>]',
  '',
  'Registers a SMART Backend Services client for an institution: generates a key pair,',
  'registers the public key, writes the private JWK to <dir>/<client_id>.jwk (mode 0600;',
  'default dir: XIETONG_DATA_DIR/client-keys) and prints the client id and the key path.',
  '',
  'Opens the database itself: with the embedded PGlite database, stop the hub first',
  '(PGlite allows one process at a time) or run both against PostgreSQL (DATABASE_URL).',
].join('\n');

function usage(message: string): number {
  console.error(`xietong client: ${message}\n\n${HELP}`);
  return 2;
}

async function run(args: CliArgs): Promise<number> {
  const institution = flagString(args, 'institution');
  const name = flagString(args, 'name');
  if (!institution) return usage('--institution is required');
  if (!name) return usage('--name is required');
  const alg = (flagString(args, 'alg') ?? 'ES384') as ClientAssertionAlg;
  if (!CLIENT_ASSERTION_ALGS.includes(alg)) return usage(`--alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`);
  const scope = flagString(args, 'scope') ?? 'system/*.cruds';

  const config = loadConfig();
  if (!config.databaseUrl) {
    const probe = await probeLocalHub(config.port);
    if (probe.state !== 'none') {
      console.error(
        `xietong client: a hub seems to be running on port ${config.port} (${probe.state === 'hub' ? probe.baseUrl : probe.detail}). ` +
          `The embedded database in ${join(config.dataDir, 'pglite')} allows one process at a time: stop the hub and run this ` +
          'command again, or run the hub and the CLI against PostgreSQL (DATABASE_URL).',
      );
      return 1;
    }
  }

  const outDir = resolve(flagString(args, 'out') ?? join(config.dataDir, 'client-keys'));
  const db = await openDb(config);
  try {
    const target = await resolveInstitution(db, institution);
    const pair = await generateClientKeyPair(alg);
    // Register and write the key in one transaction: if the file cannot be written, no client is left without a key.
    const { clientId, grantedScope, keyPath } = await db.transaction(async (tx) => {
      const registered = await registerClient(tx, { tenantId: target.id, name, jwks: { keys: [pair.publicJwk] }, scope });
      mkdirSync(outDir, { recursive: true, mode: 0o700 });
      const path = join(outDir, `${registered.clientId}.jwk`);
      writePrivateKeyFile(path, pair.privateJwk);
      return { clientId: registered.clientId, grantedScope: registered.scope, keyPath: path };
    });
    console.log(`registered client for ${target.name} [${target.id}]`);
    console.log(`  client_id:      ${clientId}`);
    console.log(`  scope:          ${grantedScope}`);
    console.log(`  private key:    ${keyPath} (${alg}, mode 0600; keep it secret)`);
    console.log(`  token endpoint: ${tokenEndpointUrl(config.baseUrl)}`);
    return 0;
  } finally {
    await db.close();
  }
}

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    try {
      return await run(args);
    } catch (err) {
      if (isHubError(err)) {
        console.error(`xietong client: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
