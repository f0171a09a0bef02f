import { describe, expect, it } from 'vitest';
import { csvField, formatIdentityCsvRow, identityCsvLines, IDENTITY_CSV_HEADER } from './identity-csv.js';
import { validateResidentId } from './resident-id.js';

/** A small RFC 4180 line splitter, enough to read back what we wrote. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') field += line[++i];
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

describe('identity CSV export', () => {
  it('quotes only fields that need it', () => {
    expect(csvField('张晓明')).toBe('张晓明');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const row = formatIdentityCsvRow({ recordId: 'r1', entityId: 'e1', source: 's', name: 'O,Brien', sex: 'M', birthDate: '1980-01-01', idNumber: '', passport: '', phone: '', address: 'x' });
    expect(parseCsvLine(row)).toEqual(['r1', 'e1', 's', 'O,Brien', 'M', '1980-01-01', '', '', '', 'x']);
  });

  it('writes the generic layout: header, one row per Patient record, ten fields each', () => {
    const lines = [...identityCsvLines({ patients: 500, seed: 3 })];
    expect(lines[0]).toBe(IDENTITY_CSV_HEADER);
    expect(IDENTITY_CSV_HEADER).toBe('record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address');
    const rows = lines.slice(1).map(parseCsvLine);
    expect(rows.filter((r) => r.length !== 10)).toEqual([]);
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r[1])).size).toBe(500);
    expect(rows.length).toBeGreaterThan(550);
    expect(rows.filter((r) => !['M', 'F'].includes(r[4]) || !/^\d{4}-\d{2}-\d{2}$/.test(r[5]))).toEqual([]);
    expect(rows.filter((r) => r[6] !== '' && !validateResidentId(r[6], '2026-10-31').valid)).toEqual([]);
    expect(rows.filter((r) => r[8] !== '' && !/^1[3-9]\d{9}$/.test(r[8]))).toEqual([]);
    expect(rows.some((r) => r[6] === '')).toBe(true);
  });

  it('is byte-identical for the same seed and differs for another', () => {
    const a = [...identityCsvLines({ patients: 200, seed: 9 })].join('\n');
    const b = [...identityCsvLines({ patients: 200, seed: 9 })].join('\n');
    const c = [...identityCsvLines({ patients: 200, seed: 10 })].join('\n');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('keeps the first people identical when more people are asked for', () => {
    const small = [...identityCsvLines({ patients: 100, seed: 9 })];
    const large = [...identityCsvLines({ patients: 300, seed: 9 })];
    const people = new Set(small.slice(1).map((l) => l.split(',')[1]));
    const fromLarge = large.slice(1).filter((l) => people.has(l.split(',')[1]));
    // Patient ids come from per-institution counters, so compare everything but the record id.
    const strip = (l: string) => l.split(',').slice(1).join(',');
    expect(fromLarge.map(strip)).toEqual(small.slice(1).map(strip));
  });
});
