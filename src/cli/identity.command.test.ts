import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCliArgs } from './args.js';
import { command } from './identity.command.js';

const HEADER = 'record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address';

/** A small generic-layout file: two people seen twice each (one in traditional characters, one in pinyin), one alone. */
function writeGenericCsv(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xietong-identity-'));
  const path = join(dir, 'people.csv');
  const rows = [
    HEADER,
    'h1/1,p1,h1,张晓明,M,1980-05-06,11010519800506001X,,13800138000,浙江省协同市东湖区文昌路12号',
    'h2/7,p1,h2,張曉明,男,1980-05-06,,,13800138000,浙江省协同市东湖区文昌路12号',
    'h1/2,p2,h1,李秀英,F,1975-02-03,,,13912345678,浙江省协同市西岭区枫桥路8号',
    'h3/4,p2,h3,LI XIU YING,F,1975-02-03,,,13912345678,',
    'h2/9,p3,h2,王建国,M,1962-11-30,,,13700001111,浙江省协同市南江区和平街3号',
  ];
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}

describe('xietong identity', () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
  afterEach(() => {
    errors.mockClear();
    logs.mockClear();
  });

  it('prints one JSON object with the documented keys', async () => {
    const code = await command.run(parseCliArgs(['eval', writeGenericCsv(), '--json']));
    expect(code).toBe(0);
    const out = JSON.parse(String(logs.mock.calls[0][0]));
    for (const key of ['precision', 'recall', 'f1', 'cluster_f1', 'false_merges', 'auto_link_precision', 'review_pairs', 'records', 'seconds']) {
      expect(out).toHaveProperty(key);
    }
    expect(out.records).toBe(5);
    expect(out.true_pairs).toBe(2);
  });

  it('rejects an unknown subcommand, a missing file argument and bad option values with exit code 2', async () => {
    expect(await command.run(parseCliArgs(['frobnicate']))).toBe(2);
    expect(await command.run(parseCliArgs(['eval']))).toBe(2);
    expect(await command.run(parseCliArgs(['eval', 'a.csv', 'b.csv', 'c.csv']))).toBe(2);
    expect(await command.run(parseCliArgs(['eval', 'a.csv', '--format', 'xml']))).toBe(2);
    expect(await command.run(parseCliArgs(['eval', 'a.csv', '--u', 'magic']))).toBe(2);
    expect(errors).toHaveBeenCalledTimes(5);
  });

  it('fails on a file that does not exist or has an unknown header', async () => {
    await expect(command.run(parseCliArgs(['eval', '/nonexistent/x.csv']))).rejects.toThrow(/ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'xietong-identity-'));
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n');
    await expect(command.run(parseCliArgs(['eval', join(dir, 'bad.csv')]))).rejects.toThrow(/unknown layout/);
  });
});
