import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { SUBSETTED, subsetResource } from './subsetting.js';

const patient: Patient = {
  resourceType: 'Patient', id: 'p1', meta: { versionId: '3', tag: [{ system: 'urn:t', code: 'keep' }] },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Wang</div>' },
  name: [{ family: 'Wang' }], gender: 'male', ...({ _gender: { extension: [{ url: 'urn:x', valueString: 'y' }] } } as object),
  birthDate: '1980-01-01', deceasedBoolean: false, maritalStatus: { text: 'married' }, photo: [{ url: 'http://x/photo' }],
  contact: [{ name: { family: 'Li' } }],
};

const observation: Observation = {
  resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'HR' }, subject: { reference: 'Patient/p1' },
  valueQuantity: { value: 72 }, note: [{ text: 'after exercise' }], interpretation: [{ text: 'normal' }],
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">HR 72</div>' },
};

describe('subsetResource', () => {
  it('returns the resource untouched when nothing is asked', () => {
    expect(subsetResource(patient, {})).toBe(patient);
  });

  it('_summary=true keeps the summary elements (choice types included) and tags SUBSETTED', () => {
    const out = subsetResource(patient, { summary: 'true' }) as Patient;
    expect(Object.keys(out).sort()).toEqual(['_gender', 'birthDate', 'deceasedBoolean', 'gender', 'id', 'meta', 'name', 'resourceType']);
    expect(out.meta!.tag).toEqual([{ system: 'urn:t', code: 'keep' }, SUBSETTED]);
    expect(out.meta!.versionId).toBe('3');
    expect(patient.meta!.tag).toHaveLength(1); // the input is not changed
    const obs = subsetResource(observation, { summary: 'true' }) as Observation;
    expect(obs.valueQuantity).toEqual({ value: 72 });
    expect(obs.note).toBeUndefined();
    expect(obs.interpretation).toBeUndefined();
  });

  it('_summary=text keeps text, id, meta and mandatory elements', () => {
    const obs = subsetResource(observation, { summary: 'text' }) as Observation;
    expect(Object.keys(obs).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
  });

  it('_summary=data removes only the narrative', () => {
    const out = subsetResource(observation, { summary: 'data' }) as Observation;
    expect(out.text).toBeUndefined();
    expect(out.note).toEqual(observation.note);
    expect(out.meta!.tag).toEqual([SUBSETTED]);
  });

  it('_elements keeps the listed elements plus id, meta and mandatory elements', () => {
    const out = subsetResource(observation, { elements: ['subject', 'value'] }) as Observation;
    expect(Object.keys(out).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
    const p = subsetResource(patient, { elements: ['photo'] }) as Patient;
    expect(Object.keys(p).sort()).toEqual(['id', 'meta', 'photo', 'resourceType']);
  });

  it('does not tag SUBSETTED twice', () => {
    const once = subsetResource(observation, { summary: 'data' });
    const twice = subsetResource(once, { summary: 'data' });
    expect(twice.meta!.tag).toEqual([SUBSETTED]);
  });
});
