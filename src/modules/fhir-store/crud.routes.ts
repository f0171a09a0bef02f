import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { assertPermission } from '../access/index.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { bundleInteraction } from './access-audit.js';
import { findPatientId } from './compartment.js';
import { CreateBatcher } from './create-batcher.js';
import { requireCriteria, sendResource, sendStoredJson, sendWriteResult } from './fhir-reply.js';
import { patchResource } from './patch.service.js';
import { ReadBatcher } from './read-batcher.js';
import { readHistory, readResourceJson, readResourceVersion } from './read.service.js';
import { assertResourceType } from './validation.js';
import {
  conditionalDeleteResource,
  conditionalUpdateResource,
  createResource,
  deleteResource,
  updateResource,
} from './write.service.js';

interface TypeParams { type: string }
interface InstanceParams { type: string; id: string }
interface VersionParams extends InstanceParams { vid: string }
type HistoryQuery = { _since?: string; _at?: string; _count?: string; _offset?: string };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Instance and type level interactions: read, vread, create, update, patch, delete, history. */
export const crudRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db, config } = deps;
  const paging = { defaultPageSize: config.defaultPageSize, maxPageSize: config.maxPageSize };
  // The two hottest interactions share statements between concurrent requests (see platform/concurrency/batch-queue.ts).
  const reader = new ReadBatcher(db, { maxBatch: config.readBatchSize });
  const creator = new CreateBatcher(db, { maxBatch: config.writeBatchSize });

  app.get<{ Params: InstanceParams }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'r');
    const stored = await readResourceJson(reader, request.ctx, type, id);
    await deps.audit.record(request.ctx, { interaction: 'read', resourceType: type, id, versionId: String(stored.versionId), patientId: stored.patientId });
    return sendStoredJson(reply, stored);
  });

  app.get<{ Params: VersionParams }>('/:type/:id/_history/:vid', async (request, reply) => {
    const { type, id, vid } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'r');
    const resource = await readResourceVersion(db, request.ctx, type, id, vid);
    await deps.audit.record(request.ctx, { interaction: 'vread', resourceType: type, id, versionId: vid, patientId: findPatientId(resource) });
    return sendResource(reply, resource);
  });

  app.get<{ Params: InstanceParams; Querystring: HistoryQuery }>('/:type/:id/_history', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'r');
    const q = request.query;
    const bundle = await readHistory(db, request.ctx, { resourceType: type, id, since: q._since, at: q._at, count: q._count, offset: q._offset }, paging);
    await deps.audit.record(request.ctx, bundleInteraction('history-instance', request.url, bundle, type === 'Patient' ? id : undefined));
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.get<{ Params: TypeParams; Querystring: HistoryQuery }>('/:type/_history', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'r');
    const q = request.query;
    const bundle = await readHistory(db, request.ctx, { resourceType: type, since: q._since, at: q._at, count: q._count, offset: q._offset }, paging);
    await deps.audit.record(request.ctx, bundleInteraction('history-type', request.url, bundle));
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.get<{ Querystring: HistoryQuery }>('/_history', async (request, reply) => {
    assertPermission(request.ctx.scopes, '*', 'r');
    const q = request.query;
    const bundle = await readHistory(db, request.ctx, { since: q._since, at: q._at, count: q._count, offset: q._offset }, paging);
    await deps.audit.record(request.ctx, bundleInteraction('history-system', request.url, bundle));
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.post<{ Params: TypeParams }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'c');
    const ifNoneExist = header(request, 'if-none-exist');
    const result = ifNoneExist
      ? await createResource(db, request.ctx, request.body, type, { ifNoneExist })
      : await creator.create(request.ctx, request.body, type);
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.put<{ Params: InstanceParams }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'u');
    const result = await updateResource(db, request.ctx, type, id, request.body, { ifMatch: header(request, 'if-match') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.put<{ Params: TypeParams }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'u');
    const criteria = requireCriteria(request, 'Conditional update');
    const result = await conditionalUpdateResource(db, request.ctx, type, criteria, request.body, { ifMatch: header(request, 'if-match') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.patch<{ Params: InstanceParams }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'u');
    const result = await patchResource(db, request.ctx, type, id, request.body, { ifMatch: header(request, 'if-match') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.delete<{ Params: InstanceParams }>('/:type/:id', async (request, reply) => {
    const { type, id } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'd');
    const result = await deleteResource(db, request.ctx, type, id, { ifMatch: header(request, 'if-match') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.delete<{ Params: TypeParams }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 'd');
    const result = await conditionalDeleteResource(db, request.ctx, type, requireCriteria(request, 'Conditional delete'));
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

};
