/**
 * Finding out whether a hub already runs on this machine. The CLI needs to
 * know because PGlite keeps its data dir for one process only: a second
 * process opening it while the hub runs would corrupt it.
 */
export type HubProbe =
  /** A Xietong hub answered; `smartConfiguration` is its discovery document. */
  | { state: 'hub'; baseUrl: string; smartConfiguration: { token_endpoint?: string } }
  /** Nothing listens on the port. */
  | { state: 'none' }
  /** Something answered that is not a Xietong hub (or a hub that is failing). */
  | { state: 'other'; detail: string };

const PROBE_TIMEOUT_MS = 2000;

function isConnectionFailure(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'EADDRNOTAVAIL'].includes(cause?.code ?? '');
}

/** Probes http://127.0.0.1:<port>: /.well-known/smart-configuration, then /healthz. */
export async function probeLocalHub(port: number): Promise<HubProbe> {
  const baseUrl = `http://127.0.0.1:${port}`;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/.well-known/smart-configuration`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    if (isConnectionFailure(err)) return { state: 'none' };
    return { state: 'other', detail: `no answer from ${baseUrl} within ${PROBE_TIMEOUT_MS} ms (${(err as Error).message})` };
  }
  if (response.ok) {
    const body = (await response.json().catch(() => undefined)) as { token_endpoint?: string } | undefined;
    if (body && typeof body.token_endpoint === 'string') return { state: 'hub', baseUrl, smartConfiguration: body };
  }
  const health = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch(() => undefined);
  if (health?.ok) return { state: 'hub', baseUrl, smartConfiguration: {} };
  return { state: 'other', detail: `${baseUrl} answered HTTP ${response.status} but not as a Xietong hub` };
}
