import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { AnalyticsErrors } from './errors.js';
import { countChangesPerDay, countResourcesByTenantAndType, listInstitutions } from './region-overview.repo.js';

export const DEFAULT_ACTIVITY_DAYS = 14;
export const MAX_ACTIVITY_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ClinicalCounts {
  patients: number;
  encounters: number;
  observations: number;
  conditions: number;
  /** All live resources, of any type. */
  resources: number;
}

export interface InstitutionSummary extends ClinicalCounts {
  id: string;
  name: string;
  kind: string;
  /** Time of the institution's latest change, or null when it holds nothing. */
  lastUpdated: string | null;
}

export interface DailyActivity {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  creates: number;
  updates: number;
  deletes: number;
}

/** Aggregate counts for the whole region: no resource content, no identifiers of people. */
export interface RegionOverview {
  generatedAt: string;
  days: number;
  totals: ClinicalCounts & { institutions: number };
  institutions: InstitutionSummary[];
  resourceTypes: Array<{ resourceType: string; count: number }>;
  activity: DailyActivity[];
}

/** Resource types the overview counts per institution; every other type only enters `resources`. */
const FIELD_BY_TYPE: Record<'Patient' | 'Encounter' | 'Observation' | 'Condition', keyof Omit<ClinicalCounts, 'resources'>> = {
  Patient: 'patients',
  Encounter: 'encounters',
  Observation: 'observations',
  Condition: 'conditions',
};

function emptyCounts(): ClinicalCounts {
  return { patients: 0, encounters: 0, observations: 0, conditions: 0, resources: 0 };
}

/**
 * Parses the `days` query parameter (window of the activity series).
 * Absent → the default; anything but an integer in 1..366 → 400.
 */
export function parseActivityDays(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_ACTIVITY_DAYS;
  const text = Array.isArray(raw) ? undefined : String(raw);
  if (text === undefined || !/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_ACTIVITY_DAYS) {
    throw new HubError(AnalyticsErrors.INVALID_PARAMETER, `days must be one integer from 1 to ${MAX_ACTIVITY_DAYS}`, {
      expression: ['days'],
    });
  }
  return Number(text);
}

/** The UTC days of the window ending today, oldest first. */
export function listWindowDays(now: Date, days: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

/**
 * Builds the region overview: institutions with their record counts, region
 * totals, counts per resource type and a daily create/update/delete series.
 * Any signed-in caller may read it: it holds aggregate counts only.
 */
export async function getRegionOverview(
  db: Queryable,
  _ctx: RequestContext,
  options: { days?: number; now?: Date } = {},
): Promise<RegionOverview> {
  const now = options.now ?? new Date();
  const days = options.days ?? DEFAULT_ACTIVITY_DAYS;
  const windowDays = listWindowDays(now, days);
  const [institutionRows, countRows, activityRows] = await Promise.all([
    listInstitutions(db),
    countResourcesByTenantAndType(db),
    countChangesPerDay(db, new Date(`${windowDays[0]}T00:00:00Z`)),
  ]);

  const totals = { institutions: institutionRows.length, ...emptyCounts() };
  const byTenant = new Map<string, ClinicalCounts & { lastUpdated: Date | null }>();
  const byType = new Map<string, number>();
  // Totals cover exactly the institutions listed, so they always add up: rows of a
  // tenant created after the institution list was read wait for the next overview.
  const known = new Set(institutionRows.map((inst) => inst.id));
  for (const row of countRows) {
    if (!known.has(row.tenant_id)) continue;
    const counts = byTenant.get(row.tenant_id) ?? { ...emptyCounts(), lastUpdated: null };
    const field = FIELD_BY_TYPE[row.resource_type as keyof typeof FIELD_BY_TYPE];
    if (field) {
      counts[field] += row.count;
      totals[field] += row.count;
    }
    counts.resources += row.count;
    totals.resources += row.count;
    if (row.last_updated && (!counts.lastUpdated || row.last_updated > counts.lastUpdated)) counts.lastUpdated = row.last_updated;
    byTenant.set(row.tenant_id, counts);
    byType.set(row.resource_type, (byType.get(row.resource_type) ?? 0) + row.count);
  }

  const institutions: InstitutionSummary[] = institutionRows.map((inst) => {
    const { lastUpdated, ...counts } = byTenant.get(inst.id) ?? { ...emptyCounts(), lastUpdated: null };
    return { id: inst.id, name: inst.name, kind: inst.kind, ...counts, lastUpdated: lastUpdated ? lastUpdated.toISOString() : null };
  });

  const activityByDay = new Map(activityRows.map((row) => [row.day, row]));
  const activity = windowDays.map((date) => {
    const row = activityByDay.get(date);
    return { date, creates: row?.creates ?? 0, updates: row?.updates ?? 0, deletes: row?.deletes ?? 0 };
  });

  const resourceTypes = [...byType.entries()]
    .map(([resourceType, count]) => ({ resourceType, count }))
    .sort((a, b) => b.count - a.count || a.resourceType.localeCompare(b.resourceType));

  return { generatedAt: now.toISOString(), days, totals, institutions, resourceTypes, activity };
}
