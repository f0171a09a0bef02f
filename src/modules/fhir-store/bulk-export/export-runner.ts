import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../../../platform/storage/index.js';
import {
  beatJob,
  claimStaleJobs,
  completeJob,
  failJob,
  releaseJob,
  selectExportPage,
  selectNow,
  selectTypesPresent,
  selectVersionsAt,
  type ExportJob,
  type OutputFile,
} from './export.repo.js';
import { NdjsonWriter } from './ndjson-writer.js';

export interface ExportRunnerOptions {
  /** Directory holding one sub-directory of NDJSON files per job. */
  dir: string;
  /** Rows read per keyset page (default 1000). */
  pageSize?: number;
  /** A job whose owner has not beaten for this long is taken over (default 60 s). */
  leaseMs?: number;
  logger?: { error(obj: object, msg: string): void };
}

class Stopped extends Error {}

/**
 * Runs Bulk Data export jobs in the background of the hub process. The job
 * table is the truth: a job belongs to the process that beats its heartbeat;
 * a restarted hub takes over jobs whose heartbeat stopped and runs them again
 * from the start (a fresh transaction time; the client sees only the final manifest).
 */
export class ExportRunner {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly options: ExportRunnerOptions,
  ) {}

  jobDir(jobId: string): string {
    return join(this.options.dir, jobId);
  }

  /** Takes over interrupted jobs (call once the app is ready). */
  async resumeStale(): Promise<string[]> {
    const jobs = await claimStaleJobs(this.db, this.options.leaseMs ?? 60_000, 3);
    for (const job of jobs) this.run(job);
    return jobs.map((j) => j.id);
  }

  /** Starts a job this process has just accepted. */
  run(job: ExportJob): void {
    if (this.stopping || this.running.has(job.id)) return;
    const done = this.execute(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, done);
  }

  /** Resolves when the job finished in this process (tests). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId);
  }

  /** Stops every job at its next page and hands it back for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running.values());
  }

  private async execute(job: ExportJob): Promise<void> {
    const dir = this.jobDir(job.id);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const transactionTime = await selectNow(this.db);
      const types = job.types ?? (await selectTypesPresent(this.db, job.tenantId, job.level));
      const output: OutputFile[] = [];
      let exported = 0;
      for (const [index, type] of types.entries()) {
        const files = await this.exportType(job, type, transactionTime, dir, async (n) => {
          const state = await beatJob(this.db, job.id, `${type} (${index + 1} of ${types.length}), ${exported + n} resources`);
          if (this.stopping) throw new Stopped();
          return state === 'in-progress';
        });
        if (!files) return this.discard(dir); // cancelled
        for (const f of files) exported += f.count;
        output.push(...files);
      }
      if (!(await completeJob(this.db, job.id, transactionTime, output))) await this.discard(dir);
    } catch (err) {
      if (err instanceof Stopped) {
        await releaseJob(this.db, job.id).catch(() => undefined);
        return;
      }
      this.options.logger?.error({ err, job: job.id }, 'bulk export failed');
      await failJob(this.db, job.id, err instanceof Error ? err.message : String(err)).catch(() => undefined);
      await this.discard(dir);
    }
  }

  /** Streams one type in keyset pages. Returns undefined when the job was cancelled meanwhile. */
  private async exportType(job: ExportJob, type: string, until: Date, dir: string, beat: (n: number) => Promise<boolean>): Promise<OutputFile[] | undefined> {
    const writer = new NdjsonWriter(dir, type);
    const limit = this.options.pageSize ?? 1000;
    let afterId = '';
    let written = 0;
    for (;;) {
      const rows = await selectExportPage(this.db, { tenantId: job.tenantId, resourceType: type, afterId, limit, since: job.since, until, patientOnly: job.level === 'patient' });
      if (rows.length === 0) break;
      // Rows changed after the transaction time are exported as they were then (https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status).
      const changed = rows.filter((r) => r.json === null).map((r) => r.id);
      const then = await selectVersionsAt(this.db, job.tenantId, type, changed, until, job.since);
      for (const row of rows) {
        const json = row.json ?? then.get(row.id);
        if (json === undefined) continue;
        await writer.write(json);
        written += 1;
      }
      afterId = rows[rows.length - 1].id;
      if (!(await beat(written))) {
        await writer.finish();
        return undefined;
      }
      if (rows.length < limit) break;
    }
    return writer.finish();
  }

  /** Removes a job's files (a cancelled finished export). */
  async discardFiles(jobId: string): Promise<void> {
    await this.discard(this.jobDir(jobId));
  }

  private async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
