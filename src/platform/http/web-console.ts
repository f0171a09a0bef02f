import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubError } from '../errors/hub-error.js';
import { HttpErrors } from '../errors/http-errors.js';

/**
 * Paths that belong to the API. Unknown paths under them keep the API's own
 * 404 OperationOutcome; the console never answers for them.
 */
export const API_PATH_PREFIXES = ['/fhir', '/auth', '/api', '/docs', '/metrics', '/healthz', '/readyz', '/.well-known', '/audit'] as const;

/** Hashed bundle files never change under the same name, so browsers may keep them for a year. */
const IMMUTABLE_DIR = '/assets/';

/**
 * The HTML page's policy: scripts and styles from this origin only (Vite emits
 * no inline script in a production build); charts draw on canvas.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export interface WebConsoleOptions {
  /** Directory holding the built console (index.html + assets). Default: <package root>/dist/web. */
  root?: string;
}

/**
 * Walks up from this file to the directory whose package.json is the hub's,
 * so the same code works from src/ (tsx, vitest) and from dist/ (node).
 */
export function findPackageRoot(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
        if (pkg.name === 'xietong') return dir;
      } catch {
        // An unreadable package.json belongs to something else: keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the xietong package root above ${fileURLToPath(fromUrl)}`);
    dir = parent;
  }
}

/** The default location of the built console. */
export function defaultWebRoot(): string {
  return join(findPackageRoot(), 'dist', 'web');
}

/** True when `path` (no query string) is an API path, which the console must leave alone. */
export function isApiPath(path: string): boolean {
  return API_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** True when the client will take an HTML page (a browser navigating), not a JSON API call. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept
    .split(',')
    .map((part) => part.split(';'))
    .some(([type, ...params]) => {
      const mediaType = type.trim().toLowerCase();
      if (mediaType !== 'text/html' && mediaType !== 'application/xhtml+xml') return false;
      // q=0 means "not acceptable" (RFC 9110 §12.4.2).
      return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/i.test(p));
    });
}

/**
 * Maps a URL path to a file below `root`, or undefined when there is none.
 * Refuses anything that would escape the root (encoded `..`, NUL bytes).
 */
export function resolveStaticFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded.replace(/^\/+/, '');
  if (relative === '' || relative.split('/').some((seg) => seg === '..' || seg.startsWith('.'))) return undefined;
  const absolute = resolve(root, relative);
  if (!absolute.startsWith(root + sep)) return undefined;
  try {
    return statSync(absolute).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the built web console at `/`: real files as they are, and
 * `index.html` for any other GET that accepts HTML so client-side routes
 * (/patients/123) survive a reload. API paths and non-HTML requests fall
 * through to the hub's 404 OperationOutcome. Register it last.
 */
export const webConsolePlugin: FastifyPluginAsync<WebConsoleOptions> = async (app, options) => {
  const root = resolve(options.root ?? defaultWebRoot());
  // serve: false — we route ourselves so API paths keep their 404s; the plugin only adds reply.sendFile.
  await app.register(fastifyStatic, { root, serve: false });

  const sendIndex = (reply: FastifyReply): FastifyReply => {
    if (!existsSync(join(root, 'index.html'))) {
      throw new HubError(HttpErrors.ROUTE_NOT_FOUND, 'The web console is not built: run `npm run build`');
    }
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    // The page must be revalidated so a new deploy's asset names are picked up.
    return reply.sendFile('index.html', root, { cacheControl: false }).header('Cache-Control', 'no-cache');
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    if (isApiPath(path)) return reply.callNotFound();
    // The console's own address always answers with the console (curl sends Accept: */*);
    // only the client-side-route fallback below needs a request that asks for HTML.
    if (path === '/' || path === '/index.html') return sendIndex(reply);
    const file = resolveStaticFile(root, path);
    if (file) {
      reply.header('X-Content-Type-Options', 'nosniff');
      const immutable = path.startsWith(IMMUTABLE_DIR);
      return reply.sendFile(file, root, immutable ? { maxAge: '365d', immutable: true } : { maxAge: 0 });
    }
    if (acceptsHtml(request.headers.accept)) return sendIndex(reply);
    return reply.callNotFound();
  };

  // Pages, not API: kept out of the OpenAPI document (@fastify/swagger reads `hide`).
  const hidden = { hide: true } as FastifySchema;
  app.get('/', { config: { public: true }, schema: hidden }, handler);
  app.get('/*', { config: { public: true }, schema: hidden }, handler);
};
