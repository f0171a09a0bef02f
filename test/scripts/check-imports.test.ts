import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports, parseImports } from '../../scripts/check-imports.mjs';

const SCRIPT = new URL('../../scripts/check-imports.mjs', import.meta.url).pathname;
const roots: string[] = [];

/** Writes a throwaway tree: { 'src/a.ts': 'source' }. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
  roots.push(root);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

function rules(root: string): string[] {
  return checkImports(root).map((problem) => `${problem.file}:${problem.line} ${problem.rule}`);
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('parseImports', () => {
  it('finds static, re-export, side-effect and dynamic imports and tells type-only ones apart', () => {
    const found = parseImports(
      [
        "import Fastify, { type FastifyInstance } from 'fastify';",
        "import type { Db } from './db.js';",
        "import { type A, type B } from './types.js';",
        "export { x } from './x.js';",
        "export * from './all.js';",
        "import './side-effect.js';",
        "const m = await import('./lazy.js');",
        '// import { commented } from "./commented.js";',
        "/* import { blocked } from './blocked.js'; */",
        "const url = 'http://example.org/a'; import { after } from './after.js';",
      ].join('\n'),
    );
    expect(found.map((imp) => [imp.spec, imp.line, imp.typeOnly, imp.dynamic])).toEqual([
      ['fastify', 1, false, false],
      ['./db.js', 2, true, false],
      ['./types.js', 3, true, false],
      ['./x.js', 4, false, false],
      ['./all.js', 5, false, false],
      ['./side-effect.js', 6, false, false],
      ['./lazy.js', 7, false, true],
      ['./after.js', 10, false, false],
    ]);
  });

  it('reads multi-line import clauses', () => {
    const found = parseImports("import {\n  a,\n  b,\n} from './multi.js';\n");
    expect(found).toEqual([{ spec: './multi.js', line: 1, typeOnly: false, dynamic: false }]);
  });
});

describe('checkImports rules', () => {
  it('accepts a tree that follows every rule', () => {
    const root = tree({
      'src/platform/storage/postgres.ts': "import pg from 'pg';\nexport const p = pg;\n",
      'src/modules/a/index.ts': "export { run } from './a.service.js';\n",
      'src/modules/a/a.service.ts': "import { find } from './a.repo.js';\nimport type { B } from '../b/index.js';\nexport const run = find;\n",
      'src/modules/a/a.repo.ts': "import type { Db } from '../../platform/storage/db.js';\nexport const find = 1;\n",
      'src/modules/a/a.routes.ts': "import type { FastifyInstance } from 'fastify';\nimport { run } from './a.service.js';\n",
      'src/modules/b/index.ts': 'export interface B { x: number }\n',
      'src/platform/storage/db.ts': 'export interface Db { q: number }\n',
      'src/fhir/outcome.ts': "import type { OperationOutcome } from '@medplum/fhirtypes';\n",
    });
    expect(rules(root)).toEqual([]);
  });

  it('flags database drivers outside src/platform/storage', () => {
    const root = tree({
      'src/modules/a/a.repo.ts': "import pg from 'pg';\n",
      'src/cli/x.ts': "\nimport { PGlite } from '@electric-sql/pglite/contrib/pg_trgm';\n",
    });
    expect(rules(root)).toEqual(['src/cli/x.ts:2 db-driver', 'src/modules/a/a.repo.ts:1 db-driver']);
  });

  it("flags a module reaching past another module's index.ts, but not its own files", () => {
    const root = tree({
      'src/modules/a/a.service.ts': "import { secret } from '../b/b.repo.js';\nimport { own } from './own.js';\n",
      'src/modules/a/own.ts': 'export const own = 1;\n',
      'src/modules/b/b.repo.ts': 'export const secret = 1;\n',
      'src/modules/b/index.ts': 'export {};\n',
    });
    const problems = checkImports(root);
    expect(problems.map((problem) => problem.rule)).toEqual(['module-boundary']);
    expect(problems[0].message).toContain('src/modules/b/b.repo.ts');
  });

  it('flags fastify in a service or a repo, even type-only', () => {
    const root = tree({
      'src/modules/a/a.service.ts': "import type { FastifyRequest } from 'fastify';\n",
      'src/modules/a/a.repo.ts': "import swagger from '@fastify/swagger';\n",
      'src/modules/a/a.routes.ts': "import Fastify from 'fastify';\n",
    });
    expect(rules(root)).toEqual(['src/modules/a/a.repo.ts:1 no-fastify', 'src/modules/a/a.service.ts:1 no-fastify']);
  });

  it('flags a repo importing a service', () => {
    const root = tree({
      'src/modules/a/a.repo.ts': "import { run } from './a.service.js';\n",
      'src/modules/a/a.service.ts': 'export const run = 1;\n',
    });
    expect(rules(root)).toEqual(['src/modules/a/a.repo.ts:1 repo-imports-service']);
  });

  it('flags HTTP and I/O in src/fhir', () => {
    const root = tree({
      'src/fhir/a.ts': "import { readFileSync } from 'node:fs';\nimport fastify from 'fastify';\nimport { Client } from 'pg';\nimport { x } from '../platform/storage/db.js';\n",
      'src/platform/storage/db.ts': 'export const x = 1;\n',
    });
    expect(rules(root)).toEqual(['src/fhir/a.ts:1 fhir-pure', 'src/fhir/a.ts:2 fhir-pure', 'src/fhir/a.ts:3 db-driver', 'src/fhir/a.ts:3 fhir-pure', 'src/fhir/a.ts:4 fhir-pure']);
  });

  it('reports an import cycle with its path, and ignores cycles through type-only or dynamic imports', () => {
    const root = tree({
      'src/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'src/b.ts': "import { c } from './c.js';\nexport const b = 1;\n",
      'src/c.ts': "import { a } from './a.js';\nexport const c = 1;\n",
      'src/d.ts': "import type { E } from './e.js';\nexport type D = 1;\n",
      'src/e.ts': "import type { D } from './d.js';\nexport type E = 1;\n",
      'src/f.ts': "export const load = () => import('./g.js');\n",
      'src/g.ts': "import { load } from './f.js';\n",
    });
    const problems = checkImports(root);
    expect(problems.map((problem) => problem.rule)).toEqual(['import-cycle']);
    expect(problems[0].message).toBe('import cycle: src/a.ts → src/b.ts → src/c.ts → src/a.ts');
  });

  it('reports an import that does not resolve', () => {
    const root = tree({ 'src/a.ts': "import { gone } from './gone.js';\n" });
    expect(rules(root)).toEqual(['src/a.ts:1 unresolved']);
  });
});

describe('check-imports CLI', () => {
  it('exits 1 and prints file:line [rule] for each problem', () => {
    const root = tree({ 'src/modules/a/a.service.ts': "import Fastify from 'fastify';\n" });
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      failure = err as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('src/modules/a/a.service.ts:1  [no-fastify]');
    expect(failure?.stderr).toContain('1 problem(s) found');
  });

  it('exits 0 on a clean tree', () => {
    const root = tree({ 'src/a.ts': 'export const a = 1;\n' });
    expect(execFileSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' })).toMatch(/^check-imports: ok/);
  });
});
