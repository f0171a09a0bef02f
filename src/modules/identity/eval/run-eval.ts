import { linkRecords, DEFAULT_LINK_OPTIONS, type LinkOptions, type LinkResult } from '../matching/link-records.js';
import { evaluateClusters, type EvalMetrics } from './metrics.js';
import { readLabelledRecords, type LabelledRecord, type ReadOptions } from './read-records.js';

export interface EvalReport extends EvalMetrics {
  seconds: number;
  em_iterations: number;
  refused_links: number;
  /** Seconds per phase of the matcher (normalize, block, compare, train, score, cluster). */
  phases: LinkResult['seconds'];
}

/**
 * Runs the batch matcher over labelled records and scores it. With two or more files it is a linkage run:
 * each file is one source, assumed free of duplicates (as FEBRL's 4a and 4b are), and only pairs across the
 * files count. The labels are read here and never passed to the matcher.
 */
export function evaluateLabelledRecords(records: readonly LabelledRecord[], mode: LinkOptions['mode'], options: Partial<LinkOptions> = {}): EvalReport {
  const started = performance.now();
  const result = linkRecords(
    records.map((r) => r.input),
    { ...DEFAULT_LINK_OPTIONS, ...options, mode },
  );
  const seconds = (performance.now() - started) / 1000;
  const metrics = evaluateClusters({
    entityOf: records.map((r) => r.entity),
    sourceOf: result.records.map((r) => r.source),
    clusterOf: result.clusterOf,
    crossSourceOnly: mode === 'link',
    candidates: result.pairs,
  });
  return { ...metrics, seconds, em_iterations: result.em.iterations, refused_links: result.refusedLinks, phases: result.seconds };
}

/** Reads one file (deduplication) or several (linkage across files) and evaluates the matcher on them. */
export async function evaluateFiles(paths: readonly string[], read: ReadOptions = {}, options: Partial<LinkOptions> = {}): Promise<EvalReport> {
  if (paths.length === 0) throw new Error('give at least one CSV file');
  const all: LabelledRecord[] = [];
  for (const [i, path] of paths.entries()) {
    // One push per record: spreading a million-record file into push() overflows the call stack.
    for (const r of await readLabelledRecords(path, { ...read, source: paths.length > 1 ? `file${i + 1}` : undefined })) all.push(r);
  }
  return evaluateLabelledRecords(all, paths.length > 1 ? 'link' : 'dedup', options);
}
