import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '../../platform/errors/index.js';
import { changePassword, regenerateRecoveryCodes } from './account.service.js';
import { AccessErrors } from './errors.js';
import { beginEnrolment, finishEnrolment, type Enrollee } from './mfa-enrolment.service.js';
import { completeMfaSignIn, signInWithPassword } from './login.service.js';
import { refreshSession, signOut, type PeopleDeps } from './session.service.js';
import type { TokenService } from './token.service.js';

/** RFC 6749 §5.1: responses carrying tokens must not be cached. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    institution: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    roles: { type: 'array', items: { type: 'string' } },
    pages: { type: 'array', items: { type: 'string' } },
    mfaEnabled: { type: 'boolean' },
    patient: { type: 'object', properties: { tenantId: { type: 'string' }, id: { type: 'string' } } },
  },
} as const;

/** Every answer that may carry tokens: a session, or a challenge for the second factor. */
const signInResponse = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
    refresh_expires_in: { type: 'integer' },
    user: userSchema,
    mfa_required: { type: 'boolean' },
    mfa_enrolment_required: { type: 'boolean' },
    mfa_ticket: { type: 'string' },
    recovery_codes: { type: 'array', items: { type: 'string' } },
    recovery_codes_left: { type: 'integer' },
  },
} as const;

const ticketBody = (extra: Record<string, unknown>, required: string[]) =>
  ({ type: 'object', properties: { mfa_ticket: { type: 'string', maxLength: 256 }, ...extra }, required }) as const;

/**
 * The enrolling person: an enrolment ticket in the body wins; otherwise the
 * bearer token must be valid (these routes are public so that a person who
 * must enrol before signing in can reach them).
 */
async function readEnrollee(request: FastifyRequest, tokens: TokenService): Promise<Enrollee> {
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && 'mfa_ticket' in body) return { kind: 'ticket', body };
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) {
    throw new HubError(AccessErrors.TOKEN_MISSING, 'Send the mfa_ticket from /auth/login, or sign in and send Authorization: Bearer <token>', {
      headers: { 'WWW-Authenticate': 'Bearer realm="xietong"' },
    });
  }
  const claims = await tokens.verify(match[1]);
  if (claims.actor.kind !== 'user') throw new HubError(AccessErrors.ROLE_FORBIDDEN, 'Only people enrol a second factor');
  return { kind: 'user', userId: claims.actor.id };
}

/**
 * People's sign-in: password, then TOTP (or enrolment), refresh with
 * rotation, and sign-out. Registered inside accessRoutes (which installs the
 * authenticate hook; these routes are public unless said otherwise).
 */
export const peopleRoutes: FastifyPluginAsync<{ people: PeopleDeps }> = async (app, { people }) => {
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign a person in, step 1: username and password',
        description:
          'JSON {username, password}. Answers tokens (access + refresh), or {mfa_required, mfa_ticket} (then POST /auth/login/mfa), ' +
          'or {mfa_enrolment_required, mfa_ticket} (then POST /auth/mfa/enrol and /auth/mfa/confirm with the ticket). ' +
          '401 on a wrong username or password, 429 with Retry-After after 5 failures.',
        consumes: ['application/json'],
        response: { 200: signInResponse },
      },
    },
    async (request, reply) => noStore(reply).send(await signInWithPassword(people, request.body)),
  );

  app.post(
    '/auth/login/mfa',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign a person in, step 2: the TOTP code (or a recovery code) with the ticket from step 1',
        body: ticketBody({ code: { type: 'string', maxLength: 32 }, recovery_code: { type: 'string', maxLength: 64 } }, ['mfa_ticket']),
        response: { 200: signInResponse },
      },
    },
    async (request, reply) => noStore(reply).send(await completeMfaSignIn(people, request.body)),
  );

  app.post(
    '/auth/mfa/enrol',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP enrolment: a new secret, its otpauth URI and a QR code (SVG data URL)',
        description: 'Either a bearer token (signed in) or {mfa_ticket} from a login that answered mfa_enrolment_required.',
        body: { type: 'object', properties: { mfa_ticket: { type: 'string', maxLength: 256 } } },
        response: {
          200: { type: 'object', properties: { secret: { type: 'string' }, otpauthUri: { type: 'string' }, qrCodeDataUrl: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => noStore(reply).send(await beginEnrolment(people, await readEnrollee(request, people.tokens))),
  );

  app.post(
    '/auth/mfa/confirm',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Confirm TOTP enrolment with a first code: turns MFA on and returns 10 recovery codes (shown once)',
        description: 'With an enrolment ticket the answer also signs the person in (tokens).',
        body: ticketBody({ code: { type: 'string', maxLength: 32 } }, ['code']),
        response: { 200: signInResponse },
      },
    },
    async (request, reply) => noStore(reply).send(await finishEnrolment(people, await readEnrollee(request, people.tokens), request.body)),
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens (rotation; reuse of an old one revokes the session)',
        body: { type: 'object', properties: { refresh_token: { type: 'string', maxLength: 200 } }, required: ['refresh_token'] },
        response: { 200: signInResponse },
      },
    },
    async (request, reply) => noStore(reply).send(await refreshSession(people, request.body)),
  );

  /** The verified claims of the bearer token (the authenticate hook already checked it; verify is cached). */
  const claimsOf = (request: FastifyRequest) => people.tokens.verify(/^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (ends your other sign-in sessions)',
        body: {
          type: 'object',
          properties: { current_password: { type: 'string', maxLength: 1024 }, new_password: { type: 'string', maxLength: 1024 } },
          required: ['current_password', 'new_password'],
        },
      },
    },
    async (request, reply) => {
      await changePassword(people, await claimsOf(request), request.body);
      return noStore(reply).code(204).send();
    },
  );

  app.post(
    '/auth/mfa/recovery-codes',
    {
      schema: {
        tags: ['auth'],
        summary: 'Replace your recovery codes (needs a current TOTP code); the old ones stop working',
        body: { type: 'object', properties: { code: { type: 'string', maxLength: 32 } }, required: ['code'] },
        response: { 200: { type: 'object', properties: { recovery_codes: { type: 'array', items: { type: 'string' } } } } },
      },
    },
    async (request, reply) => noStore(reply).send(await regenerateRecoveryCodes(people, await claimsOf(request), request.body)),
  );

  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], summary: 'Sign out: revokes this access token and its sign-in session (refresh tokens)' } },
    async (request, reply) => {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (match) await signOut(people, await people.tokens.verify(match[1]));
      return noStore(reply).code(204).send();
    },
  );
};
