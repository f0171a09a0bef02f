import type { Resource } from '@medplum/fhirtypes';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { storeResourcesBulk } from '../fhir-store/index.js';
import {
  insertDemoRegionStart,
  insertIdentityTruth,
  insertInstitutions,
  markDemoRegionComplete,
  selectDemoRegion,
  type DemoRegionRow,
} from './demo-region.repo.js';
import { DemoRegionErrors } from './errors.js';
import { assertRegionOptions, generateRegion } from './generator.js';
import { INSTITUTIONS } from './region.data.js';

export interface SeedProgress {
  /** People generated so far (their records are written or queued in the current batch). */
  people: number;
  total: number;
  /** FHIR resources written so far. */
  resources: number;
}

export interface SeedOptions {
  /** Number of people; default 1,000. */
  patients?: number;
  /** Default 1. */
  seed?: number;
  /** Resources per storeResourcesBulk call (one transaction each); default 1,000. */
  batchSize?: number;
  /** Prefix of the institution (tenant) ids, for isolated regions in tests; default none (the demo region). */
  tenantPrefix?: string;
  /** Write encounters, observations and conditions (default true); false loads directory and Patients only (search benchmarks). */
  clinical?: boolean;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedResult {
  institutions: Array<{ id: string; name: string; kind: string }>;
  people: number;
  patientRecords: number;
  resources: number;
  seconds: number;
}

export const DEFAULT_DEMO_PATIENTS = 1_000;

/** True when a demo region has been seeded completely into this database. */
export async function isRegionSeeded(db: Db, tenantPrefix = ''): Promise<boolean> {
  return (await selectDemoRegion(db, tenantPrefix))?.status === 'complete';
}

/** The seeding record (seed, size, status, times), or undefined when no region was ever started. */
export async function getDemoRegionStatus(db: Db, tenantPrefix = ''): Promise<DemoRegionRow | undefined> {
  return selectDemoRegion(db, tenantPrefix);
}

/** The region's institutions (tenants): id, name and kind. */
export function listDemoInstitutions(tenantPrefix = ''): Array<{ id: string; name: string; kind: string }> {
  return INSTITUTIONS.map(({ id, name, kind }) => ({ id: tenantPrefix + id, name, kind }));
}

/** Per-tenant buffer of resources and truth rows waiting for the next bulk write. */
interface TenantBuffer {
  tenantId: string;
  /** Generation order (1-based) of the earliest person with records in this buffer. */
  firstPerson: number;
  resources: Resource[];
  truth: Array<{ personKey: string; tenantId: string; patientId: string }>;
}

/**
 * Generates the synthetic region and writes it through the FHIR store
 * (`storeResourcesBulk`: resources, history, search index and outbox in one
 * transaction per batch), streaming so memory stays flat. Writes the
 * institutions and the identity truth table too. Refuses when the database
 * already holds a region, complete (DEMO_ALREADY_SEEDED) or half-loaded by
 * an interrupted run (DEMO_PARTIALLY_SEEDED).
 */
export async function seedDemoRegion(db: Db, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const patients = options.patients ?? DEFAULT_DEMO_PATIENTS;
  const seed = options.seed ?? 1;
  const batchSize = options.batchSize ?? 1_000;
  const tenantPrefix = options.tenantPrefix ?? '';
  try {
    assertRegionOptions({ patients, seed, tenantPrefix });
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  } catch (err) {
    throw new HubError(DemoRegionErrors.INVALID_OPTIONS, (err as Error).message);
  }
  await claimRegion(db, tenantPrefix, seed, patients);
  const institutions = listDemoInstitutions(tenantPrefix);
  await insertInstitutions(db, institutions);

  const buffers = new Map<string, TenantBuffer>();
  let written = 0;
  let generated = 0;
  let patientRecords = 0;
  // Buffers whose write has not completed; a person counts as done once no such
  // buffer holds any of their records, so progress never runs ahead of the database.
  const unwritten = new Set<TenantBuffer>();
  const peopleWritten = (): number => {
    let first = Number.POSITIVE_INFINITY;
    for (const b of unwritten) first = Math.min(first, b.firstPerson);
    return Number.isFinite(first) ? first - 1 : generated;
  };
  // One write in flight while the next batch is generated: with PostgreSQL the
  // database works while this process builds resources.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (buffer: TenantBuffer): Promise<void> => {
    buffers.delete(buffer.tenantId);
    await inFlight;
    inFlight = (async () => {
      // The generator's output is validated by generator.test.ts; skipping it here halves the load time.
      await storeResourcesBulk(db, buffer.tenantId, buffer.resources, { validate: false });
      await insertIdentityTruth(db, buffer.truth);
      written += buffer.resources.length;
      unwritten.delete(buffer);
      options.onProgress?.({ people: peopleWritten(), total: patients, resources: written });
    })();
    // Marks the rejection as handled until the next `await inFlight` rethrows it.
    inFlight.catch(() => undefined);
  };
  const bufferFor = (tenantId: string, person: number): TenantBuffer => {
    let buffer = buffers.get(tenantId);
    if (!buffer) {
      buffer = { tenantId, resources: [], truth: [], firstPerson: person };
      buffers.set(tenantId, buffer);
      unwritten.add(buffer);
    }
    return buffer;
  };

  for (const chunk of generateRegion({ patients, seed, tenantPrefix, clinical: options.clinical ?? true })) {
    if (chunk.kind === 'directory') {
      const buffer = bufferFor(chunk.tenantId, 1);
      buffer.resources.push(...chunk.resources);
      await flush(buffer);
      continue;
    }
    const ordinal = new Map(chunk.people.map((p, i) => [p.key, generated + i + 1]));
    generated += chunk.people.length;
    for (const reg of chunk.registrations) {
      patientRecords++;
      const buffer = bufferFor(reg.tenantId, ordinal.get(reg.personKey)!);
      buffer.resources.push(...reg.resources);
      buffer.truth.push({ personKey: reg.personKey, tenantId: reg.tenantId, patientId: reg.patientId });
      if (buffer.resources.length >= batchSize) await flush(buffer);
    }
  }
  for (const buffer of [...buffers.values()]) await flush(buffer);
  await inFlight;
  await markDemoRegionComplete(db, tenantPrefix, patientRecords, written);
  return { institutions, people: patients, patientRecords, resources: written, seconds: (performance.now() - started) / 1000 };
}

async function claimRegion(db: Db, tenantPrefix: string, seed: number, patients: number): Promise<void> {
  const existing = await selectDemoRegion(db, tenantPrefix);
  if (!existing && (await insertDemoRegionStart(db, tenantPrefix, seed, patients))) return;
  const row = existing ?? (await selectDemoRegion(db, tenantPrefix))!;
  if (row.status === 'complete') {
    throw new HubError(DemoRegionErrors.ALREADY_SEEDED, `This database already holds a demo region (${row.people} people, seed ${row.seed})`);
  }
  throw new HubError(
    DemoRegionErrors.PARTIALLY_SEEDED,
    `A demo region (${row.people} people, seed ${row.seed}) started loading at ${row.started_at.toISOString()} and never finished; ` +
      'seed into a fresh database or data directory',
  );
}
