/**
 * Pure scoring for `$recommend`: each component is a number in [0, 1] with a
 * weight and a sentence saying why, so the ranking explains itself.
 */

export interface CandidateFacts {
  id: string;
  name: string;
  kind: string;
  /** exact: a PractitionerRole, HealthcareService or Schedule carries the specialty; general: only general medicine / practice. */
  specialtyMatch: 'exact' | 'general';
  /** Free Slots in the horizon on Schedules of the specialty; null when the institution posts no such Schedule. */
  freeSlots: number | null;
  earliestSlot: Date | null;
  /** Bed Locations (physicalType bd) by operationalStatus; null when none are posted. */
  beds: { free: number; total: number } | null;
  distanceKm: number | null;
  agreement: boolean;
  /** null when no patient was given. */
  previousCare: { encounters: number; referrals: number } | null;
}

export interface ScoreComponent {
  name: 'specialty' | 'capacity' | 'wait' | 'distance' | 'agreement' | 'previousCare';
  weight: number;
  score: number;
  explanation: string;
}

export interface Recommendation {
  institution: { id: string; name: string; kind: string };
  score: number;
  components: ScoreComponent[];
}

export const WEIGHTS: Record<ScoreComponent['name'], number> = { specialty: 0.3, capacity: 0.2, wait: 0.2, distance: 0.1, agreement: 0.1, previousCare: 0.1 };
/** Waits are judged against a horizon that shrinks with urgency (hours). */
export const WAIT_SCALE_HOURS: Record<string, number> = { stat: 4, asap: 12, urgent: 24, routine: 168 };
/** Free Slots that count as ample capacity. */
const AMPLE_SLOTS = 20;

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

function capacity(f: CandidateFacts): ScoreComponent {
  const parts: string[] = [];
  const scores: number[] = [];
  if (f.freeSlots !== null) {
    scores.push(Math.min(1, f.freeSlots / AMPLE_SLOTS));
    parts.push(`${f.freeSlots} free slot(s) in the next 14 days`);
  }
  if (f.beds !== null && f.beds.total > 0) {
    scores.push(f.beds.free / f.beds.total);
    parts.push(`${f.beds.free} of ${f.beds.total} bed(s) free`);
  }
  if (scores.length === 0) return { name: 'capacity', weight: WEIGHTS.capacity, score: 0.5, explanation: 'No schedule or bed status posted: neutral 0.5' };
  return { name: 'capacity', weight: WEIGHTS.capacity, score: round(Math.max(...scores)), explanation: parts.join('; ') };
}

function wait(f: CandidateFacts, priority: string, now: Date): ScoreComponent {
  const scale = WAIT_SCALE_HOURS[priority] ?? WAIT_SCALE_HOURS.routine;
  if (f.earliestSlot) {
    const hours = Math.max(0, (f.earliestSlot.getTime() - now.getTime()) / 3_600_000);
    return { name: 'wait', weight: WEIGHTS.wait, score: round(Math.exp(-hours / scale)), explanation: `Earliest free slot in ${hours.toFixed(1)} h (judged against ${scale} h for ${priority})` };
  }
  if (f.freeSlots === 0) return { name: 'wait', weight: WEIGHTS.wait, score: 0, explanation: 'Schedules posted but no free slot in the next 14 days' };
  return { name: 'wait', weight: WEIGHTS.wait, score: 0.3, explanation: 'No schedule posted: wait unknown, 0.3' };
}

function distance(f: CandidateFacts): ScoreComponent {
  if (f.distanceKm === null) return { name: 'distance', weight: WEIGHTS.distance, score: 0.5, explanation: 'No coordinates (Location.position) for one of the two institutions: neutral 0.5' };
  return { name: 'distance', weight: WEIGHTS.distance, score: round(1 / (1 + f.distanceKm / 10)), explanation: `${f.distanceKm.toFixed(1)} km away (1 / (1 + km/10))` };
}

function previousCare(f: CandidateFacts): ScoreComponent {
  if (f.previousCare === null) return { name: 'previousCare', weight: 0, score: 0, explanation: 'No patient given: not counted' };
  const { encounters, referrals } = f.previousCare;
  const score = encounters > 0 ? 1 : referrals > 0 ? 0.7 : 0;
  const explanation = encounters > 0 ? `The patient has ${encounters} encounter(s) there: records and clinicians already know them`
    : referrals > 0 ? `The patient was referred there ${referrals} time(s) before` : 'No previous care there';
  return { name: 'previousCare', weight: WEIGHTS.previousCare, score, explanation };
}

/** Scores one candidate; the total is the weighted mean of its components. */
export function scoreCandidate(f: CandidateFacts, priority: string, now: Date): Recommendation {
  const components: ScoreComponent[] = [
    { name: 'specialty', weight: WEIGHTS.specialty, score: f.specialtyMatch === 'exact' ? 1 : 0.4,
      explanation: f.specialtyMatch === 'exact' ? 'Offers the requested specialty' : 'Offers general medicine / practice only' },
    capacity(f),
    wait(f, priority, now),
    distance(f),
    { name: 'agreement', weight: WEIGHTS.agreement, score: f.agreement ? 1 : 0,
      explanation: f.agreement ? 'Consortium agreement with your institution covers this' : 'No consortium agreement' },
    previousCare(f),
  ];
  const weight = components.reduce((s, c) => s + c.weight, 0);
  const score = components.reduce((s, c) => s + c.weight * c.score, 0) / weight;
  return { institution: { id: f.id, name: f.name, kind: f.kind }, score: round(score), components };
}

/** Ranks candidates, best first (ties by id, so the order is stable). */
export function rankCandidates(facts: CandidateFacts[], priority: string, now: Date): Recommendation[] {
  return facts.map((f) => scoreCandidate(f, priority, now)).sort((a, b) => b.score - a.score || a.institution.id.localeCompare(b.institution.id));
}

/** Great-circle distance in km (haversine). */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}
