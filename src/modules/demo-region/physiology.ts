import type { Person } from './people.js';
import { ageOn } from './people.js';
import { createRng } from './prng.js';

/** A person's usual values, around which each measurement scatters. */
export interface Physiology {
  heightCm: number;
  bmi: number;
  systolic: number;
  diastolic: number;
  heartRate: number;
  glucose: number;
  hba1c: number;
  cholesterol: number;
  ldl: number;
  haemoglobin: number;
  creatinine: number;
}

/** Height by age for children (rough average of WHO / China growth references). */
export function childHeight(age: number, male: boolean): number {
  if (age < 1) return 66;
  if (age < 3) return 75 + 12 * (age - 1);
  const adult = male ? 170 : 158;
  const grown = 95 + 6 * (age - 3);
  return Math.min(grown, adult);
}

/**
 * Draws a person's baseline from their age, sex and conditions, on a stream
 * keyed by the person so every institution measures the same body.
 */
export function drawPhysiology(seed: number, person: Person, referenceDate: string): Physiology {
  const rng = createRng(seed, `physiology:${person.key}`);
  const age = ageOn(person.birthDate, referenceDate);
  const male = person.sex === 'male';
  const has = (code: string) => person.conditions.includes(code);
  const adult = age >= 18;
  const heightCm = adult ? rng.normal(male ? 170 : 158, male ? 6 : 5.5) - Math.max(0, age - 60) * 0.1 : childHeight(age, male) * rng.normal(1, 0.04);
  const bmi = adult ? rng.normal(23 + (has('E11') || has('I10') ? 2 : 0), 3) : rng.normal(16.5, 1.8);
  const hypertensive = has('I10');
  const systolic = !adult ? rng.normal(95 + age, 6)
    : hypertensive ? rng.normal(146, 12) : Math.min(136, rng.normal(110 + 0.35 * (age - 18), 8));
  const diastolic = !adult ? rng.normal(60, 5) : hypertensive ? rng.normal(90, 8) : Math.min(86, rng.normal(70 + 0.1 * (age - 18), 6));
  const diabetic = has('E11');
  const lipids = has('E78');
  const ckd = has('N18');
  return {
    heightCm,
    bmi: Math.max(13, bmi),
    systolic,
    diastolic,
    heartRate: rng.normal(age < 12 ? 100 - 2 * age : 75, 8),
    glucose: diabetic ? rng.normal(7.8, 1.4) : rng.normal(5.0, 0.4),
    hba1c: diabetic ? rng.normal(7.6, 1.0) : rng.normal(5.4, 0.3),
    cholesterol: lipids ? rng.normal(6.0, 0.7) : rng.normal(4.5, 0.7),
    ldl: lipids ? rng.normal(3.9, 0.5) : rng.normal(2.6, 0.5),
    haemoglobin: (male && adult ? rng.normal(148, 10) : rng.normal(130, 10)) - (age >= 70 ? 8 : 0) - (ckd ? 15 : 0),
    creatinine: (male ? rng.normal(80, 12) : rng.normal(60, 10)) * (ckd ? 2 : 1) * (adult ? 1 : 0.6),
  };
}
