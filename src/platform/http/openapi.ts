import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { readFileSync } from 'node:fs';

/** Where the UI is served; the JSON document is at `${DOCS_PREFIX}/json`. */
export const DOCS_PREFIX = '/docs';

/**
 * The FHIR API is described by its CapabilityStatement (GET /fhir/metadata,
 * https://hl7.org/fhir/R4/http.html#capabilities), not by OpenAPI: its
 * parameters are resource types and search parameters, which a list of
 * Fastify routes would only misrepresent. The document therefore hides every
 * route under /fhir and points to the CapabilityStatement instead.
 */
export const FHIR_PREFIX = '/fhir';

export interface OpenApiOptions {
  /** Defaults to the version in package.json (the same relative path from src/ and dist/). */
  version?: string;
}

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function isFhirRoute(url: string): boolean {
  return url === FHIR_PREFIX || url.startsWith(`${FHIR_PREFIX}/`);
}

/**
 * Rewrites each route's schema as the document is built: FHIR routes are
 * hidden; non-public routes get the bearer security requirement unless they
 * declared their own.
 */
export function transformRouteSchema({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): {
  schema: FastifySchema;
  url: string;
} {
  const base = (schema ?? {}) as FastifySchema & { hide?: boolean; security?: unknown };
  if (isFhirRoute(url)) return { schema: { ...base, hide: true } as FastifySchema, url };
  const isPublic = (route.config as { public?: boolean } | undefined)?.public === true;
  if (!isPublic && base.security === undefined) {
    return { schema: { ...base, security: [{ bearerAuth: [] }] } as FastifySchema, url };
  }
  return { schema: base, url };
}

/**
 * Registers @fastify/swagger (OpenAPI 3) and the Swagger UI at /docs. Must run
 * before the module routes so that its onRoute hook sees them. The document
 * is public, like /fhir/metadata: it describes the API, not any data.
 */
export async function installOpenApi(app: FastifyInstance, options: OpenApiOptions = {}): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Xietong (协同) regional care-collaboration hub',
        version: options.version ?? readPackageVersion(),
        description:
          'The hub\'s own endpoints: authentication, administration, console API and operations. ' +
          `The FHIR R4 API under ${FHIR_PREFIX} is described by its CapabilityStatement at ${FHIR_PREFIX}/metadata.`,
      },
      tags: [
        { name: 'ops', description: 'Health, readiness and metrics' },
        { name: 'fhir', description: `FHIR R4 REST API: see GET ${FHIR_PREFIX}/metadata (CapabilityStatement)` },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    transform: transformRouteSchema,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
