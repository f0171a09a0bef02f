import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, HubClient, describeOutcome } from './client.js';

describe('OperationOutcome text', () => {
  it('joins every issue\'s details.text, falling back to diagnostics', () => {
    expect(
      describeOutcome({
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'invalid', details: { text: 'days must be one integer' } },
          { severity: 'error', code: 'invalid', diagnostics: 'second problem' },
          { severity: 'error', code: 'invalid' },
        ],
      }),
    ).toBe('days must be one integer; second problem');
    expect(describeOutcome(undefined)).toBeUndefined();
    expect(describeOutcome({ resourceType: 'OperationOutcome', issue: [] })).toBeUndefined();
  });

  it('exposes the hub\'s stable error code', () => {
    const err = new ApiError(400, 'bad', {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', details: { text: 'bad', coding: [{ code: 'ANALYTICS_INVALID_PARAMETER' }] } }],
    });
    expect(err.code).toBe('ANALYTICS_INVALID_PARAMETER');
  });
});

describe('HubClient over HTTP', () => {
  // A stand-in server: the client is tested for how it reads answers, the real hub is driven by test/browser.
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; authorization?: string; accept?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept });
      const send = (status: number, body: string, type = 'application/fhir+json') => res.writeHead(status, { 'content-type': type }).end(body);
      if (req.url === '/auth/login') return send(401, JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Wrong username or password' } }] }));
      if (req.url?.startsWith('/fhir/Patient?')) {
        return send(200, JSON.stringify({
          resourceType: 'Bundle', type: 'searchset', total: 1,
          entry: [
            { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'match' } },
            { resource: { resourceType: 'Organization', id: 'o1' }, search: { mode: 'include' } },
            { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
          ],
        }));
      }
      if (req.url === '/fhir/Patient/expired') return send(401, JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Access token has expired' } }] }));
      return send(502, '<html>bad gateway</html>', 'text/html');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const session = { accessToken: 'tok', scope: 'user/*.rs', expiresAt: Date.now() + 60_000, user: { id: 'u', displayName: 'U', institution: 'i', roles: [] } };

  it('shows the OperationOutcome text of a failed sign-in and does not treat it as an expired session', async () => {
    const client = new HubClient(base);
    let expired = 0;
    client.onUnauthorized = () => expired++;
    const err = await client.login('a', 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).message).toBe('Wrong username or password');
    expect(expired).toBe(0);
  });

  it('sends the token and FHIR Accept, and keeps only matches of the searched type', async () => {
    const client = new HubClient(base);
    client.setSession(session);
    const result = await client.search('Patient', { name: '张' });
    expect(result).toEqual({ resources: [{ resourceType: 'Patient', id: 'p1' }], total: 1 });
    expect(seen.at(-1)).toMatchObject({ url: '/fhir/Patient?name=%E5%BC%A0', authorization: 'Bearer tok', accept: 'application/fhir+json' });
  });

  it('reports an expired token once the hub answers 401 to a signed-in call', async () => {
    const client = new HubClient(base);
    client.setSession(session);
    let expired = 0;
    client.onUnauthorized = () => expired++;
    await expect(client.readResource('Patient', 'expired')).rejects.toThrow('Access token has expired');
    expect(expired).toBe(1);
  });

  it('describes an answer that is not an OperationOutcome by its status', async () => {
    const client = new HubClient(base);
    const err = (await client.getRegionOverview().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/^HTTP 502/);
    expect(err.outcome).toBeUndefined();
  });

  it('turns a refused connection into a network error', async () => {
    const client = new HubClient('http://127.0.0.1:9');
    const err = (await client.getRegionOverview().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/^Network error/);
  });
});
