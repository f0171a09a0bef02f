import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { defaultWebRoot } from './web-console.js';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

describe('web console inside the real app', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  it('serves the console page (or says it is not built) for a browser at a console path', async () => {
    const res = await hub.app.inject({ url: '/patients/abc', headers: { accept: HTML } });
    if (existsSync(join(defaultWebRoot(), 'index.html'))) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    } else {
      expect(res.statusCode).toBe(404);
      expect(res.json().issue[0].details.text).toContain('npm run build');
    }
  });

  it.each(['/fhir/Patient/x/y/z', '/auth/nothing-here', '/api/nothing-here', '/.well-known/nothing-here', '/healthz/x'])(
    'keeps the API 404 OperationOutcome for %s even when a browser asks',
    async (url) => {
      const res = await hub.app.inject({ url, headers: { accept: HTML } });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it('does not shadow the API routes registered before it', async () => {
    const health = await hub.app.inject({ url: '/healthz', headers: { accept: HTML } });
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-type']).not.toMatch(/^text\/html/);
    const metadata = await hub.app.inject({ url: '/fhir/metadata', headers: { accept: HTML } });
    expect(metadata.json().resourceType).toBe('CapabilityStatement');
    const smart = await hub.app.inject({ url: '/.well-known/smart-configuration', headers: { accept: HTML } });
    expect(smart.json()).toHaveProperty('token_endpoint');
  });
});
