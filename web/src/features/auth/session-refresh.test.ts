import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, HubClient, type Session } from '../../api/client.js';

describe('HubClient refreshes a short-lived access token once on 401', () => {
  // A stand-in hub: accepts "Bearer new" only; /auth/refresh trades r1 for new tokens and refuses anything else.
  let server: Server;
  let base: string;
  let refreshCalls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/auth/refresh') {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => {
          refreshCalls++;
          const { refresh_token } = JSON.parse(raw) as { refresh_token: string };
          if (refresh_token !== 'r1') return send(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'invalid_grant' } }] });
          return send(200, { access_token: 'new', token_type: 'bearer', expires_in: 900, scope: 'user/*.rs', refresh_token: 'r2', user: { id: 'u', displayName: 'U', institution: 'i', roles: ['nurse'] } });
        });
        return;
      }
      if (req.headers.authorization === 'Bearer new') return send(200, { resourceType: 'Patient', id: 'p1' });
      return send(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Access token has expired' } }] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function sessionWith(refreshToken?: string): Session {
    return { accessToken: 'old', refreshToken, scope: 'user/*.rs', expiresAt: Date.now() - 1000, user: { id: 'u', displayName: 'U', institution: 'i', roles: ['nurse'] } };
  }

  it('retries with the new token, stores the rotated session, and refreshes once for concurrent calls', async () => {
    const client = new HubClient(base);
    client.setSession(sessionWith('r1'));
    const stored: Session[] = [];
    let unauthorized = 0;
    client.onSessionRefreshed = (s) => stored.push(s);
    client.onUnauthorized = () => unauthorized++;
    refreshCalls = 0;
    const [a, b] = await Promise.all([client.readResource('Patient', 'p1'), client.readResource('Patient', 'p1')]);
    expect(a.id).toBe('p1');
    expect(b.id).toBe('p1');
    expect(refreshCalls).toBe(1);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ accessToken: 'new', refreshToken: 'r2' });
    expect(stored[0].expiresAt).toBeGreaterThan(Date.now() + 800_000);
    expect(unauthorized).toBe(0);
  });

  it('gives the session up when the refresh is refused', async () => {
    const client = new HubClient(base);
    client.setSession(sessionWith('stolen-and-reused'));
    let unauthorized = 0;
    client.onUnauthorized = () => unauthorized++;
    const err = await client.readResource('Patient', 'p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(unauthorized).toBe(1);
  });

  it('does not try to refresh without a refresh token', async () => {
    const client = new HubClient(base);
    client.setSession(sessionWith(undefined));
    let unauthorized = 0;
    client.onUnauthorized = () => unauthorized++;
    refreshCalls = 0;
    await expect(client.readResource('Patient', 'p1')).rejects.toBeInstanceOf(ApiError);
    expect(refreshCalls).toBe(0);
    expect(unauthorized).toBe(1);
  });
});
