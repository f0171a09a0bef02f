import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { PersonInput } from '../matching/person-record.js';

/**
 * Readers for the evaluation layouts. FEBRL: `rec_id, given_name, surname, street_number, address_1, address_2,
 * suburb, postcode, state, date_of_birth, soc_sec_id` (+ `age, phone_number, blocking_number` in DS-Gen); the
 * truth is in rec_id (see data/febrl/PROVENANCE.md). Generic: `record_id,entity_id,source,name,sex,birth_date,
 * id_number,passport,phone,address`, UTF-8 with a header row, empty cell = missing.
 */

export type EvalFormat = 'febrl' | 'generic';

export interface LabelledRecord {
  input: PersonInput;
  /** Ground-truth entity; used only to score the result, never by the matcher. */
  entity: string;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). Returns rows of raw cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

/** The layout of a CSV from its header row. */
export function detectFormat(header: readonly string[]): EvalFormat | null {
  const cols = header.map((h) => h.trim());
  if (cols.includes('rec_id') && cols.includes('given_name')) return 'febrl';
  if (cols.includes('record_id') && cols.includes('entity_id')) return 'generic';
  return null;
}

/** FEBRL truth: `rec-<N>-org|dup-k` → N; DS-Gen integer ids: all digits but the last. */
export function febrlEntity(recId: string): string {
  const m = /^rec-(\d+)-/.exec(recId);
  if (m) return m[1];
  if (/^\d+$/.test(recId)) return recId.slice(0, -1) || '0';
  throw new Error(`cannot read the entity from FEBRL rec_id "${recId}"`);
}

export interface ReadOptions {
  format?: EvalFormat;
  /** Leave out the national id column (the "patients without a national id" runs). */
  dropId?: boolean;
  /** Source label for every record of this file (default: the file name). */
  source?: string;
}

function column(header: readonly string[], name: string): number {
  return header.findIndex((h) => h.trim() === name);
}

/** Turns parsed CSV rows into labelled records. Throws on an unknown layout or a missing required column. */
export function rowsToRecords(rows: string[][], options: ReadOptions & { source: string }): LabelledRecord[] {
  if (rows.length === 0) throw new Error('the file is empty');
  const header = rows[0];
  const format = options.format ?? detectFormat(header);
  if (!format) throw new Error('unknown layout: expected a FEBRL header (rec_id, given_name, …) or the generic one (record_id, entity_id, …)');
  const need = format === 'febrl' ? ['rec_id'] : ['record_id', 'entity_id'];
  for (const c of need) if (column(header, c) < 0) throw new Error(`missing column "${c}" for the ${format} layout`);
  const at = (row: string[], name: string): string | undefined => {
    const i = column(header, name);
    if (i < 0) return undefined;
    const v = row[i]?.trim();
    return v === '' ? undefined : v;
  };
  const out: LabelledRecord[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (format === 'febrl') {
      const id = at(row, 'rec_id');
      if (!id) throw new Error(`row ${r + 1}: empty rec_id`);
      out.push({
        entity: febrlEntity(id),
        input: {
          id,
          source: options.source,
          givenName: at(row, 'given_name'),
          familyName: at(row, 'surname'),
          streetNumber: at(row, 'street_number'),
          street: at(row, 'address_1'),
          locality: at(row, 'address_2'),
          city: at(row, 'suburb'),
          postcode: at(row, 'postcode'),
          region: at(row, 'state'),
          birthDate: at(row, 'date_of_birth'),
          phone: at(row, 'phone_number'),
          idNumber: options.dropId ? undefined : at(row, 'soc_sec_id'),
        },
      });
    } else {
      const id = at(row, 'record_id');
      const entity = at(row, 'entity_id');
      if (!id || !entity) throw new Error(`row ${r + 1}: record_id and entity_id must not be empty`);
      out.push({
        entity,
        input: {
          id,
          source: at(row, 'source') ?? options.source,
          name: at(row, 'name'),
          sex: at(row, 'sex'),
          birthDate: at(row, 'birth_date'),
          idNumber: options.dropId ? undefined : at(row, 'id_number'),
          passport: at(row, 'passport'),
          phone: at(row, 'phone'),
          address: at(row, 'address'),
        },
      });
    }
  }
  return out;
}

/** Reads one evaluation CSV file. */
export async function readLabelledRecords(path: string, options: ReadOptions = {}): Promise<LabelledRecord[]> {
  const text = await readFile(path, 'utf8');
  return rowsToRecords(parseCsv(text), { ...options, source: options.source ?? basename(path) });
}
