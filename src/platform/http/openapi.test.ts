import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installOpenApi } from './openapi.js';

async function buildDocsApp() {
  const app = Fastify({ logger: false });
  await installOpenApi(app, { version: '9.9.9' });
  await app.register(
    async (fhir) => {
      fhir.get('/Patient/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } }, async () => ({}));
      fhir.get('/metadata', { config: { public: true } }, async () => ({}));
    },
    { prefix: '/fhir' },
  );
  await app.register(
    async (api) => {
      api.post(
        '/referrals',
        {
          schema: {
            tags: ['referrals'],
            body: { type: 'object', required: ['patient'], properties: { patient: { type: 'string' } } },
            response: { 201: { type: 'object', properties: { id: { type: 'string' } } } },
          },
        },
        async () => ({ id: 'r1' }),
      );
      api.post('/auth/token', { config: { public: true }, schema: { tags: ['auth'] } }, async () => ({}));
    },
    { prefix: '/api' },
  );
  await app.ready();
  return app;
}

describe('OpenAPI document', () => {
  it('serves /docs/json without a token, with the non-FHIR routes and their schemas', async () => {
    const app = await buildDocsApp();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.version).toBe('9.9.9');
    const referral = doc.paths['/api/referrals'].post;
    expect(referral.requestBody.content['application/json'].schema.required).toEqual(['patient']);
    expect(referral.responses['201']).toBeDefined();
    await app.close();
  });

  it('hides routes under /fhir and points to the CapabilityStatement instead', async () => {
    const app = await buildDocsApp();
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths).filter((path: string) => path.startsWith('/fhir'))).toEqual([]);
    expect(doc.info.description).toContain('/fhir/metadata');
    await app.close();
  });

  it('marks protected routes with the bearer scheme and leaves public ones open', async () => {
    const app = await buildDocsApp();
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/referrals'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/auth/token'].post.security).toBeUndefined();
    await app.close();
  });

  it('serves the Swagger UI at /docs', async () => {
    const app = await buildDocsApp();
    const res = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(res.statusCode);
    const page = res.statusCode === 302 ? await app.inject({ method: 'GET', url: res.headers.location as string }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger-ui');
    await app.close();
  });

  it('does not list its own UI routes', async () => {
    const app = await buildDocsApp();
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths).filter((path: string) => path.startsWith('/docs'))).toEqual([]);
    await app.close();
  });
});
