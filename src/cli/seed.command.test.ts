import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseCliArgs } from './args.js';
import { command } from './seed.command.js';

const dir = mkdtempSync(join(tmpdir(), 'xietong-seed-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xietong seed (without a database)', () => {
  it('refuses to seed without --demo', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await command.run(parseCliArgs(['--patients', '10']))).toBe(1);
      expect(errors.mock.calls.flat().join(' ')).toContain('--demo');
    } finally {
      errors.mockRestore();
    }
  });

  it('exports the identity CSV deterministically with --export-identity-csv', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const a = join(dir, 'a.csv');
      const b = join(dir, 'b.csv');
      expect(await command.run(parseCliArgs(['--export-identity-csv', a, '--patients', '120', '--seed', '4']))).toBe(0);
      expect(await command.run(parseCliArgs(['--export-identity-csv', b, '--patients', '120', '--seed', '4']))).toBe(0);
      const text = readFileSync(a, 'utf8');
      expect(readFileSync(b, 'utf8')).toBe(text);
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe('record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address');
      expect(new Set(lines.slice(1).map((l) => l.split(',')[1])).size).toBe(120);
      expect(stderr.mock.calls.flat().join('')).toMatch(/wrote [\d,]+ records of 120 people \(seed 4\)/);
    } finally {
      stderr.mockRestore();
    }
  });

  it.each([
    [['--export-identity-csv', 'x.csv', '--patients', 'many']],
    [['--export-identity-csv', 'x.csv', '--patients', '-5']],
    [['--export-identity-csv', 'x.csv', '--patients', '0']],
    [['--export-identity-csv', 'x.csv', '--seed', '1.5']],
    [['--export-identity-csv']],
    [['--demo', '--patients', '0']],
  ])('rejects bad flags %j with a clear error', async (argv) => {
    await expect(command.run(parseCliArgs(argv))).rejects.toThrow(/--(patients|seed|export-identity-csv)/);
  });
});
