// The simulated month: who refers whom, when, and how each receiver answers. Pure and seeded.
import { createRng, weightedPicker, type Rng } from '../src/modules/demo-region/prng.js';
import { DEPARTMENTS, type InstitutionSpec } from '../src/modules/demo-region/region.data.js';

export interface PlannedStep {
  at: Date;
  /** Index of the referral in the plan (its id is known only once created). */
  referral: number;
  kind: 'create' | 'transition';
  /** The institution whose token makes the call. */
  tenant: string;
  body: Record<string, unknown>;
}

export interface PlanInput {
  institutions: InstitutionSpec[];
  patients: Map<string, string[]>;
  documents: Map<string, string>;
  reports: Map<string, string>;
  days: number;
  perDay: number;
  start: Date;
  seed: number;
}

const H = 3_600_000;
/** A referral's steps are at least this far apart, so they never share a 5-minute window of the simulation. */
const GAP = 6 * 60_000;
const TERTIARY_SPECIALTIES = ['cardiology', 'endocrinology', 'respiratory', 'neurology', 'orthopaedics'];
const DISTRICT_SPECIALTIES = ['internal-medicine', 'surgery'];
const pickDecline = weightedPicker(
  ['no-capacity', 'not-indicated', 'wrong-specialty', 'incomplete-information', 'patient-declined', 'other'],
  [40, 20, 15, 15, 5, 5],
);

const exp = (rng: Rng, mean: number) => -Math.log(1 - rng.next()) * mean;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(0, items.length - 1)];

function specialtyOf(code: string): { code: string; display: string } {
  const d = DEPARTMENTS[code];
  return { code: d.specialty.code, display: d.specialty.display };
}

/** Every step of the month, sorted by simulated time; steps past the month's end are left out (those loops stay open). */
export function createPlan(input: PlanInput): PlannedStep[] {
  const rng = createRng(input.seed, 'referral-simulation');
  const end = input.start.getTime() + input.days * 24 * H;
  const chcs = input.institutions.filter((i) => i.kind === 'community-health-centre');
  const tertiary = input.institutions.find((i) => i.kind === 'tertiary-hospital')!;
  const districtHospitals = input.institutions.filter((i) => i.kind === 'district-hospital');
  const hospitals = [tertiary, ...districtHospitals];
  const steps: PlannedStep[] = [];
  let n = 0;
  for (let day = 0; day < input.days; day++) {
    const dayStart = input.start.getTime() + day * 24 * H;
    const weekday = new Date(dayStart + 8 * H).getUTCDay();
    const volume = Math.round(input.perDay * (weekday === 0 || weekday === 6 ? 0.5 : 1.2));
    for (let k = 0; k < volume; k++) {
      const at = dayStart + (8 + rng.next() * 9.5) * H; // 08:00–17:30 CST
      const r = rng.next();
      let sender: InstitutionSpec;
      let receiver: InstitutionSpec;
      let specialty: { code: string; display: string };
      let priority = 'routine';
      const body: Record<string, unknown> = {};
      if (r < 0.82) {
        sender = pick(rng, chcs);
        const local = districtHospitals.find((h) => h.district === sender.district);
        receiver = local && rng.chance(0.45) ? local : tertiary;
        specialty = specialtyOf(pick(rng, receiver === tertiary ? TERTIARY_SPECIALTIES : DISTRICT_SPECIALTIES));
        const p = rng.next();
        priority = p < 0.03 ? 'stat' : p < 0.15 ? 'urgent' : 'routine';
      } else if (r < 0.97) {
        sender = pick(rng, hospitals);
        receiver = pick(rng, chcs.filter((c) => sender === tertiary || c.district === sender.district));
        specialty = specialtyOf('general-practice');
        body.dischargeSummary = input.documents.get(sender.id);
        body.followUpPlan = [{ description: '每周随访血压、血糖', dueDays: 7 }, { description: '康复训练指导', dueDays: 14 }];
      } else {
        sender = pick(rng, districtHospitals);
        receiver = tertiary;
        specialty = specialtyOf(pick(rng, TERTIARY_SPECIALTIES));
        priority = rng.chance(0.3) ? 'urgent' : 'routine';
      }
      const patient = pick(rng, input.patients.get(sender.id)!);
      const referral = n++;
      const push = (t: number, tenant: string, b: Record<string, unknown>, kind: PlannedStep['kind'] = 'transition') => {
        if (t < end) steps.push({ at: new Date(t), referral, kind, tenant, body: b });
      };
      push(at, sender.id, { receiver: receiver.id, patient: `Patient/${patient}`, specialty, priority, reason: '模拟转诊', ...body }, 'create');

      const fate = rng.next();
      if (fate < 0.02) continue; // never answered: the sweeper escalates and, after the expiry, expires it
      if (fate < 0.04) { push(at + GAP + exp(rng, 8 * H), sender.id, { action: 'cancel' }); continue; }
      const mean = priority === 'stat' ? 0.4 * H : priority === 'urgent' ? 1.2 * H : 16 * H;
      const answer = at + GAP + exp(rng, mean);
      if (fate < 0.12) { push(answer, receiver.id, { action: 'decline', reason: pickDecline(rng) }); continue; }
      if (fate < 0.14) {
        const other = pick(rng, hospitals.filter((h) => h !== receiver && h !== sender));
        if (other) push(answer, receiver.id, { action: 'forward', receiver: other.id });
        continue;
      }
      push(answer, receiver.id, { action: 'accept' });
      const scheduled = answer + GAP + rng.next() * 2 * H;
      const waitH = priority === 'routine' ? (receiver.kind === 'community-health-centre' ? 24 * rng.int(2, 10) : 24 * rng.int(1, 10)) : 2 + rng.next() * 22;
      const appointment = scheduled + GAP + waitH * H;
      push(scheduled, receiver.id, { action: 'schedule', appointmentAt: new Date(appointment).toISOString() });
      if (rng.chance(0.04)) { push(appointment + H, receiver.id, { action: 'no-show' }); continue; }
      push(appointment, receiver.id, { action: 'start' });
      const completed = appointment + GAP + (1 + rng.next() * 71) * H;
      push(completed, receiver.id, { action: 'complete' });
      if (rng.chance(0.85)) push(completed + GAP + exp(rng, 24 * H), receiver.id, { action: 'return-report', report: input.reports.get(receiver.id) });
    }
  }
  return steps.sort((a, b) => a.at.getTime() - b.at.getTime() || a.referral - b.referral);
}
