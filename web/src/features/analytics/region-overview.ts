/** The shape of GET /api/region/overview (src/modules/analytics/region-overview.service.ts). */
export interface ClinicalCounts {
  patients: number;
  encounters: number;
  observations: number;
  conditions: number;
  resources: number;
}

export interface InstitutionSummary extends ClinicalCounts {
  id: string;
  name: string;
  kind: string;
  lastUpdated: string | null;
}

export interface DailyActivity {
  date: string;
  creates: number;
  updates: number;
  deletes: number;
}

export interface RegionOverview {
  generatedAt: string;
  days: number;
  totals: ClinicalCounts & { institutions: number };
  institutions: InstitutionSummary[];
  resourceTypes: Array<{ resourceType: string; count: number }>;
  activity: DailyActivity[];
}
