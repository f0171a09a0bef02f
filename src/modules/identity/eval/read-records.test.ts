import { describe, expect, it } from 'vitest';
import { detectFormat, febrlEntity, parseCsv, rowsToRecords } from './read-records.js';

describe('CSV reading', () => {
  it('parses quoted cells, doubled quotes, CRLF and a BOM', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
    expect(parseCsv('a,b\n1,\n')).toEqual([['a', 'b'], ['1', '']]);
  });

  it('detects the FEBRL and the generic layout from the header', () => {
    expect(detectFormat(['rec_id', ' given_name', ' surname'])).toBe('febrl');
    expect(detectFormat('record_id,entity_id,source,name'.split(','))).toBe('generic');
    expect(detectFormat(['id', 'name'])).toBeNull();
  });

  it('reads the truth from FEBRL ids (rec-N-org / rec-N-dup-k, and DS-Gen integers)', () => {
    expect(febrlEntity('rec-223-org')).toBe('223');
    expect(febrlEntity('rec-223-dup-4')).toBe('223');
    expect(febrlEntity('58867')).toBe('5886');
    expect(() => febrlEntity('x-1')).toThrow(/cannot read the entity/);
  });

  it('maps FEBRL rows (comma + space separated) and can drop the id column', () => {
    const rows = parseCsv(
      'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n' +
        'rec-1-org, anna, smith, 6, main street, , bondi, 2026, nsw, 19800101, 1234567\n',
    );
    const [r] = rowsToRecords(rows, { source: 'f' });
    expect(r.entity).toBe('1');
    expect(r.input).toMatchObject({ givenName: 'anna', familyName: 'smith', street: 'main street', city: 'bondi', idNumber: '1234567' });
    expect(r.input.locality).toBeUndefined();
    expect(rowsToRecords(rows, { source: 'f', dropId: true })[0].input.idNumber).toBeUndefined();
  });

  it('maps generic rows, empty cells as missing', () => {
    const rows = parseCsv('record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address\nr1,p1,h1,张三,M,1990-01-02,,,138,"浙江省,协同市"\n');
    const [r] = rowsToRecords(rows, { source: 'file' });
    expect(r).toEqual({
      entity: 'p1',
      input: { id: 'r1', source: 'h1', name: '张三', sex: 'M', birthDate: '1990-01-02', idNumber: undefined, passport: undefined, phone: '138', address: '浙江省,协同市' },
    });
  });

  it('rejects unknown layouts, missing columns and empty ids', () => {
    expect(() => rowsToRecords([], { source: 'f' })).toThrow(/empty/);
    expect(() => rowsToRecords([['a', 'b']], { source: 'f' })).toThrow(/unknown layout/);
    expect(() => rowsToRecords([['name', 'x']], { source: 'f', format: 'generic' })).toThrow(/missing column "record_id"/);
    expect(() => rowsToRecords([['record_id', 'entity_id'], ['r1', '']], { source: 'f' })).toThrow(/row 2/);
  });
});
