import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import {
  CLIENT_ASSERTION_TYPE,
  grantClientToken,
  loadEnabledClient,
  readDemoClients,
  signClientAssertion,
  TokenService,
  type DemoClientEntry,
} from '../modules/access/index.js';
import { loadConfig, type Config } from '../platform/config/config.js';
import { isHubError } from '../platform/errors/index.js';
import { openDb } from '../platform/storage/index.js';
import { flagString, type CliArgs, type CliCommand } from './args.js';
import { probeLocalHub } from './running-hub.js';

const DEFAULT_SCOPE = 'system/*.cruds';

const HELP = [
  'Usage: xietong token --demo [--institution <id or name>] [--scope "system/*.cruds"]',
  '',
  'Prints an access token for an institution\'s demo system client as the last line of',
  'standard output (diagnostics go to standard error), e.g. TOKEN=$(xietong token --demo).',
  'Demo mode only. The default institution is the tertiary hospital.',
  '',
  'With a hub running on PORT (default 8080) the token comes from it, through the SMART',
  'client_credentials flow signed with the demo key in XIETONG_DATA_DIR/demo-credentials.',
  'Without one, the database is opened directly and the token minted there.',
].join('\n');

class TokenCommandError extends Error {}

/** The institution's entry, by id or name; default: the first tertiary hospital. */
function pickEntry(entries: DemoClientEntry[], wanted: string | undefined): DemoClientEntry {
  if (wanted === undefined) return entries.find((e) => e.kind === 'tertiary-hospital') ?? entries[0];
  const found = entries.find((e) => e.institutionId === wanted) ?? entries.find((e) => e.institutionName === wanted);
  if (!found) {
    const known = entries.map((e) => `${e.institutionId} (${e.institutionName})`).join(', ');
    throw new TokenCommandError(`No demo client for institution "${wanted}". Demo institutions: ${known}`);
  }
  return found;
}

async function tokenFromHub(baseUrl: string, tokenEndpoint: string, entry: DemoClientEntry, privateJwk: JWK, scope: string): Promise<string> {
  // The assertion's aud is the endpoint URL the hub advertises (its public base URL), while the
  // request itself goes to the loopback address the hub was found on.
  const assertion = await signClientAssertion({ privateJwk, clientId: entry.clientId, audience: tokenEndpoint });
  const response = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, scope }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; issue?: Array<{ details?: { text?: string } }> };
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new TokenCommandError(`The hub at ${baseUrl} refused the token request (HTTP ${response.status}): ${body.issue?.[0]?.details?.text ?? 'no details'}`);
  }
  return body.access_token;
}

async function tokenFromDatabase(config: Config, entry: DemoClientEntry, scope: string): Promise<string> {
  const db = await openDb(config);
  try {
    const tokens = await TokenService.create(db, config.baseUrl, config.tokenTtlSeconds);
    const client = await loadEnabledClient(db, entry.clientId);
    if (client.tenant_id !== entry.institutionId) throw new TokenCommandError(`Demo client ${entry.clientId} does not belong to ${entry.institutionId}`);
    return (await grantClientToken(tokens, client, scope)).access_token;
  } finally {
    await db.close();
  }
}

async function run(args: CliArgs): Promise<number> {
  const config = loadConfig(undefined, args.flags.demo === true ? { demo: true } : {});
  if (!config.demo) {
    console.error('xietong token: demo mode only. Pass --demo (or set XIETONG_DEMO=true); for real systems use the SMART client_credentials flow.');
    return 2;
  }
  const entries = readDemoClients(config.dataDir);
  if (entries.length === 0) {
    console.error(
      `xietong token: no demo credentials in ${config.dataDir}/demo-credentials. Start the hub once with \`xietong serve --demo\` ` +
        '(or run `xietong seed --demo`) with the same XIETONG_DATA_DIR, then try again.',
    );
    return 1;
  }
  const entry = pickEntry(entries, flagString(args, 'institution'));
  const scope = flagString(args, 'scope') ?? DEFAULT_SCOPE;
  const probe = await probeLocalHub(config.port);
  let token: string;
  if (probe.state === 'hub') {
    const privateJwk = JSON.parse(readFileSync(entry.keyFile, 'utf8')) as JWK;
    const tokenEndpoint = probe.smartConfiguration.token_endpoint ?? `${config.baseUrl}/auth/token`;
    token = await tokenFromHub(probe.baseUrl, tokenEndpoint, entry, privateJwk, scope);
    console.error(`token for ${entry.institutionName} [${entry.institutionId}] from the hub at ${probe.baseUrl}`);
  } else if (probe.state === 'none') {
    token = await tokenFromDatabase(config, entry, scope);
    console.error(`token for ${entry.institutionName} [${entry.institutionId}] minted from the database (no hub on port ${config.port})`);
  } else {
    throw new TokenCommandError(`Cannot tell whether a hub runs on port ${config.port}: ${probe.detail}. Set PORT to the hub's port.`);
  }
  console.log(token);
  return 0;
}

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    try {
      return await run(args);
    } catch (err) {
      if (err instanceof TokenCommandError || isHubError(err)) {
        console.error(`xietong token: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
