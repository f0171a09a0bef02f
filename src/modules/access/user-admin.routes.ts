import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from './role-guard.js';
import { USER_ROLES } from './role-policy.js';
import type { PeopleDeps } from './session.service.js';
import {
  createUserAsAdmin,
  disableUser,
  enableUser,
  listUsersForAdmin,
  resetUserMfa,
  unlockUser,
  type AdminCreateUserBody,
  type UserListQuery,
} from './user-admin.service.js';

const adminUser = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    institution: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    roles: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    mfaEnabled: { type: 'boolean' },
    lockedUntil: { type: 'string', format: 'date-time' },
    patient: { type: 'object', properties: { tenantId: { type: 'string' }, id: { type: 'string' } } },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;

/**
 * User administration: institution admins manage their own institution's
 * users, regional admins everyone's. Mounted at /auth/users inside
 * accessRoutes (bearer token required).
 */
export const userAdminRoutes: FastifyPluginAsync<{ people: PeopleDeps }> = async (app, { people }) => {
  const guard = requireRole('institution-admin', 'regional-admin');

  app.get<{ Querystring: UserListQuery }>(
    '/auth/users',
    {
      preHandler: guard,
      schema: {
        tags: ['users'],
        summary: 'List users (institution admin: own institution; regional admin: all, or ?institution=)',
        querystring: {
          type: 'object',
          properties: {
            institution: { type: 'string', maxLength: 64 },
            q: { type: 'string', maxLength: 100 },
            _count: { type: 'integer', minimum: 1, maximum: 500 },
            _offset: { type: 'integer', minimum: 0 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { users: { type: 'array', items: adminUser } } } },
      },
    },
    async (request) => listUsersForAdmin(people, request.ctx, request.query),
  );

  app.post<{ Body: AdminCreateUserBody }>(
    '/auth/users',
    {
      preHandler: guard,
      schema: {
        tags: ['users'],
        summary: 'Create a user with roles (an institution admin grants institution roles only)',
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', maxLength: 64 },
            displayName: { type: 'string', maxLength: 200 },
            password: { type: 'string', maxLength: 1024 },
            roles: { type: 'array', items: { type: 'string', enum: [...USER_ROLES] }, minItems: 1, maxItems: USER_ROLES.length },
            institution: { type: 'string', maxLength: 64 },
            patientId: { type: 'string', maxLength: 64 },
          },
          required: ['username', 'displayName', 'password', 'roles'],
          additionalProperties: false,
        },
        response: { 201: adminUser },
      },
    },
    async (request, reply) => reply.code(201).send(await createUserAsAdmin(people, request.ctx, request.body)),
  );

  const actions = [
    ['disable', 'Disable a user and end their sessions', disableUser],
    ['enable', 'Enable a disabled user', enableUser],
    ['reset-mfa', 'Reset a user’s second factor (lost phone); ends their sessions', resetUserMfa],
    ['unlock', 'Lift a sign-in lockout', unlockUser],
  ] as const;
  for (const [action, summary, run] of actions) {
    app.post<{ Params: { id: string } }>(
      `/auth/users/:id/${action}`,
      { preHandler: guard, schema: { tags: ['users'], summary, params: idParams, response: { 200: adminUser } } },
      async (request) => run(people, request.ctx, request.params.id),
    );
  }
};
