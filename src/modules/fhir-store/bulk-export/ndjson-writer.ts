import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { OutputFile } from './export.repo.js';

/** Lines per file: a client can fetch and load a large type in parallel parts. */
export const MAX_LINES_PER_FILE = 100_000;

/**
 * Writes one type's resources into `Type-1.ndjson`, `Type-2.ndjson`, …
 * honouring back-pressure, so memory holds at most one page of lines
 * whatever the size of the export.
 */
export class NdjsonWriter {
  private stream: WriteStream | undefined;
  private current: OutputFile | undefined;
  readonly files: OutputFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly type: string,
    private readonly maxLines = MAX_LINES_PER_FILE,
  ) {}

  async write(json: string): Promise<void> {
    if (!this.stream || !this.current || this.current.count >= this.maxLines) await this.rollOver();
    this.current!.count += 1;
    if (!this.stream!.write(`${json}\n`)) await once(this.stream!, 'drain');
  }

  private async rollOver(): Promise<void> {
    await this.closeStream();
    const file = `${this.type}-${this.files.length + 1}.ndjson`;
    this.current = { type: this.type, file, count: 0 };
    this.files.push(this.current);
    this.stream = createWriteStream(join(this.dir, file), { flags: 'w' });
    await once(this.stream, 'open');
  }

  private async closeStream(): Promise<void> {
    if (!this.stream) return;
    const stream = this.stream;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Flushes and closes; returns the files written (none when the type had no resources). */
  async finish(): Promise<OutputFile[]> {
    await this.closeStream();
    return this.files;
  }
}
