import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from './error-handler.js';
import { API_PATH_PREFIXES, acceptsHtml, findPackageRoot, isApiPath, webConsolePlugin } from './web-console.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function buildConsoleApp(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  app.get('/fhir/metadata', async () => ({ resourceType: 'CapabilityStatement' }));
  await app.register(webConsolePlugin, { root });
  await app.ready();
  return app;
}

describe('web console serving', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xietong-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>协同</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.secret'), 'no');
    writeFileSync(join(dir, '..', 'outside-xietong-web.txt'), 'outside');
    app = await buildConsoleApp(dir);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'outside-xietong-web.txt'), { force: true });
  });

  it('serves index.html at / for a browser, revalidated and with a content security policy', async () => {
    const plain = await app.inject({ url: '/', headers: { accept: '*/*' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toContain('text/html');
    const res = await app.inject({ url: '/', headers: { accept: HTML } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('falls back to index.html for client-side routes', async () => {
    const res = await app.inject({ url: '/patients/abc-123?tab=labs', headers: { accept: HTML } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
  });

  it('serves hashed assets as immutable and other files with their type', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    const svg = await app.inject({ url: '/favicon.svg' });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('answers HEAD like GET', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/patients', headers: { accept: HTML } });
    expect(res.statusCode).toBe(200);
  });

  it.each(API_PATH_PREFIXES.map((p) => `${p}/no-such-thing`))('leaves %s to the API 404 OperationOutcome, even for a browser', async (url) => {
    const res = await app.inject({ url, headers: { accept: HTML } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });

  it('does not shadow real API routes', async () => {
    const res = await app.inject({ url: '/fhir/metadata', headers: { accept: HTML } });
    expect(res.json().resourceType).toBe('CapabilityStatement');
  });

  it.each([
    ['a JSON client', '/patients', 'application/json'],
    ['a client without Accept', '/patients', undefined],
    ['a browser that refuses HTML', '/patients', 'text/html;q=0, application/json'],
    ['a missing asset', '/assets/gone-999.js', '*/*'],
  ])('gives %s a 404 OperationOutcome, not the page', async (_label, url, accept) => {
    const res = await app.inject({ url, headers: accept ? { accept } : {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('answers other methods on console paths with the API 404', async () => {
    const res = await app.inject({ method: 'POST', url: '/patients', headers: { accept: HTML }, payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it.each(['/..%2foutside-xietong-web.txt', '/%2e%2e/outside-xietong-web.txt', '/assets/..%2f..%2foutside-xietong-web.txt', '/.secret', '/%00index.html'])(
    'never serves files outside the build or hidden files: %s',
    async (url) => {
      const res = await app.inject({ url, headers: { accept: '*/*' } });
      expect(res.body).not.toBe('outside');
      expect(res.body).not.toBe('no');
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it('refuses a malformed percent-encoding without serving anything', async () => {
    // Fastify rejects the URL before routing (FST_ERR_BAD_URL), so it never reaches the console.
    const res = await app.inject({ url: '/%E0%A4%A', headers: { accept: HTML } });
    expect(res.statusCode).toBe(400);
  });

  it('says clearly when the console has not been built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'xietong-web-empty-'));
    const bare = await buildConsoleApp(empty);
    try {
      const res = await bare.inject({ url: '/', headers: { accept: HTML } });
      expect(res.statusCode).toBe(404);
      expect(res.json().issue[0].details.text).toContain('npm run build');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('web console helpers', () => {
  it('finds the package root from this file', () => {
    expect(findPackageRoot()).toMatch(/main$|xietong/);
  });

  it('matches API prefixes on whole segments only', () => {
    expect(isApiPath('/fhir')).toBe(true);
    expect(isApiPath('/fhir/Patient')).toBe(true);
    expect(isApiPath('/.well-known/smart-configuration')).toBe(true);
    expect(isApiPath('/fhirish')).toBe(false);
    expect(isApiPath('/patients')).toBe(false);
  });

  it('reads Accept like a browser sends it', () => {
    expect(acceptsHtml(HTML)).toBe(true);
    expect(acceptsHtml('application/fhir+json')).toBe(false);
    expect(acceptsHtml('*/*')).toBe(false);
    expect(acceptsHtml('text/html; q=0')).toBe(false);
    expect(acceptsHtml(undefined)).toBe(false);
  });
});
