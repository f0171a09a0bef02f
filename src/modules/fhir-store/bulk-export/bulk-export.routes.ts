import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../../../deps.js';
import type { RequestContext } from '../../../platform/context/request-context.js';
import { HubError } from '../../../platform/errors/index.js';
import { FHIR_JSON } from '../../../platform/http/error-handler.js';
import { assertPermission } from '../../access/index.js';
import { BulkExportErrors } from './errors.js';
import { cancelJob, insertJob, selectJob, type ExportJob } from './export.repo.js';
import { parseExportRequest, type ExportRequest } from './export-request.js';
import { ExportRunner } from './export-runner.js';

const runners = new WeakMap<AppDeps, ExportRunner>();

/** The export runner of an app (tests wait on it). */
export function getExportRunner(deps: AppDeps): ExportRunner | undefined {
  return runners.get(deps);
}

type Query = Record<string, string | string[] | undefined>;

/** Bulk export reads the institution's whole data set: a system or user token with read on each type, never a patient's own token. */
function assertMayExport(ctx: RequestContext, request: ExportRequest): void {
  if (ctx.patient || ctx.scopes.every((s) => s.context === 'patient')) {
    throw new HubError(BulkExportErrors.FORBIDDEN, 'Bulk export needs a system or user token, not a patient token');
  }
  for (const type of request.types ?? ['*']) assertPermission(ctx.scopes, type, 'r');
}

function statusUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/fhir/bulk-status/${id}`;
}

/** The complete-status manifest (https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status). */
function buildManifest(baseUrl: string, job: ExportJob) {
  return {
    transactionTime: job.transactionTime!.toISOString(),
    request: job.requestUrl,
    requiresAccessToken: true,
    output: job.output.map((f) => ({ type: f.type, url: `${baseUrl}/fhir/bulk-files/${job.id}/${f.file}`, count: f.count })),
    error: [],
  };
}

/**
 * FHIR Bulk Data Access v2 export: kick-off at `/$export` and
 * `/Patient/$export`, status at `/bulk-status/{id}` (GET polls, DELETE
 * cancels), NDJSON files at `/bulk-files/{id}/{file}`, all with the caller's
 * token and only the caller's institution's data.
 */
export const bulkExportPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db, config } = deps;
  const runner = new ExportRunner(db, { dir: join(config.dataDir, 'exports'), logger: app.log });
  runners.set(deps, runner);
  app.addHook('onReady', async () => {
    await runner.resumeStale();
  });
  app.addHook('onClose', async () => {
    await runner.stop();
  });

  const kickOff = (level: ExportRequest['level']) => async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    const parsed = parseExportRequest(level, request.query, request.headers.prefer as string | undefined);
    assertMayExport(request.ctx, parsed);
    const id = randomUUID();
    const requestUrl = `${config.baseUrl}${request.url}`;
    await insertJob(db, { id, tenantId: request.ctx.tenantId, level, requestUrl, types: parsed.types, since: parsed.since });
    runner.run({
      id, tenantId: request.ctx.tenantId, level, requestUrl, types: parsed.types ?? null, since: parsed.since ?? null,
      state: 'in-progress', transactionTime: null, progress: null, output: [], error: null, runs: 1,
    });
    return reply.status(202).header('Content-Location', statusUrl(config.baseUrl, id)).send();
  };
  app.get('/$export', kickOff('system'));
  app.get('/Patient/$export', kickOff('patient'));

  app.get<{ Params: { id: string } }>('/bulk-status/:id', async (request, reply) => {
    const job = await selectJob(db, request.ctx.tenantId, request.params.id);
    if (!job || job.state === 'cancelled') throw new HubError(BulkExportErrors.JOB_NOT_FOUND, `No export job ${request.params.id}`);
    if (job.state === 'failed') throw new HubError(BulkExportErrors.EXPORT_FAILED, `The export failed: ${job.error ?? 'unknown error'}`);
    if (job.state !== 'completed') {
      return reply.status(202).header('X-Progress', job.progress ?? 'starting').header('Retry-After', '2').send();
    }
    reply.header('Expires', new Date(Date.now() + 24 * 3600_000).toUTCString());
    return reply.status(200).type('application/json').send(buildManifest(config.baseUrl, job));
  });

  app.delete<{ Params: { id: string } }>('/bulk-status/:id', async (request, reply) => {
    const job = await selectJob(db, request.ctx.tenantId, request.params.id);
    if (!job || !(await cancelJob(db, request.ctx.tenantId, job.id))) throw new HubError(BulkExportErrors.JOB_NOT_FOUND, `No export job ${request.params.id}`);
    // A running job notices at its next page and removes its files; a finished one's files go now.
    if (job.state !== 'in-progress' && job.state !== 'accepted') await runner.discardFiles(job.id);
    return reply.status(202).type(FHIR_JSON).send({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text: `Export ${job.id} cancelled` } }] });
  });

  app.get<{ Params: { id: string; file: string } }>('/bulk-files/:id/:file', async (request, reply) => {
    const job = await selectJob(db, request.ctx.tenantId, request.params.id);
    // Only names from the manifest are served: no path from the URL reaches the file system.
    const file = job?.state === 'completed' ? job.output.find((f) => f.file === request.params.file) : undefined;
    if (!job || !file) throw new HubError(BulkExportErrors.FILE_NOT_FOUND, `No export file ${request.params.id}/${request.params.file}`);
    return reply.type('application/fhir+ndjson').send(createReadStream(join(runner.jobDir(job.id), file.file)));
  });
};
