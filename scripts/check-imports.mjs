#!/usr/bin/env node
// Checks the import rules of docs STYLE.md ("Dependency rules") over src/**/*.ts.
// Dependency-free on purpose: it runs in `npm run lint` before anything is built,
// and a regex scan over comment-stripped source takes well under a second.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const DB_DRIVERS = ['pg', '@electric-sql/pglite'];
const IO_MODULES = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'dns/promises', 'tls',
  'worker_threads', 'cluster', 'readline',
];

/** Blanks out comments (keeping line breaks and string contents) so commented-out imports are ignored. */
export function stripComments(source) {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < n && !(source[i] === '*' && source[i + 1] === '/')) {
        if (source[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      const quote = c;
      out += c;
      i++;
      while (i < n && source[i] !== quote) {
        if (source[i] === '\\') {
          out += source[i] + (source[i + 1] ?? '');
          i += 2;
          continue;
        }
        if (quote !== '`' && source[i] === '\n') break; // unterminated: stop at line end
        out += source[i];
        i++;
      }
      if (i < n) out += source[i];
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function lineOf(text, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** An import is type-only when written `import type` / `export type`, or when every named specifier says `type`. */
function isTypeOnlyClause(typeKeyword, clause) {
  if (typeKeyword) return true;
  const trimmed = clause.trim();
  const braced = /^\{([\s\S]*)\}$/.exec(trimmed);
  if (!braced) return false;
  const names = braced[1].split(',').map((part) => part.trim()).filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

/** Lists a file's imports: { spec, line, typeOnly, dynamic }. */
export function parseImports(source) {
  const code = stripComments(source);
  const found = [];
  const fromRe = /(?:^|[;}\s])(import|export)\s+(type\s+)?([^;'"`]*?)\s*from\s*(['"])([^'"]+)\4/g;
  for (let m; (m = fromRe.exec(code)); ) {
    const typeOnly = isTypeOnlyClause(m[2], m[3]);
    found.push({ spec: m[5], line: lineOf(code, m.index + m[0].indexOf(m[1])), typeOnly, dynamic: false });
  }
  const bareRe = /(?:^|[;}\s])import\s*(['"])([^'"]+)\1/g;
  for (let m; (m = bareRe.exec(code)); ) {
    found.push({ spec: m[2], line: lineOf(code, m.index + m[0].indexOf('import')), typeOnly: false, dynamic: false });
  }
  const dynamicRe = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;
  for (let m; (m = dynamicRe.exec(code)); ) {
    found.push({ spec: m[2], line: lineOf(code, m.index), typeOnly: false, dynamic: true });
  }
  return found.sort((a, b) => a.line - b.line);
}

function walk(dir, files = []) {
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, files);
    else if (/\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** Resolves a relative specifier to a .ts file (TypeScript ESM writes `./x.js` for `./x.ts`). */
function resolveRelative(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')];
  return candidates.find((candidate) => /\.tsx?$/.test(candidate) && existsSync(candidate)) ?? null;
}

/** The bare package name: `@scope/name/sub` → `@scope/name`, `node:fs/promises` → `fs/promises`. */
function packageOf(spec) {
  if (spec.startsWith('node:')) return spec.slice(5);
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isFastify(spec) {
  const pkg = packageOf(spec);
  return pkg === 'fastify' || pkg.startsWith('@fastify/') || pkg === 'fastify-plugin';
}

/** Finds the cycles (strongly connected components of size > 1, or self-loops) with Tarjan's algorithm. */
export function findCycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const strongConnect = (start) => {
    // Iterative to stay safe on deep import chains.
    const work = [[start, 0]];
    indices.set(start, index);
    low.set(start, index);
    index++;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node] = frame;
      const edges = [...(graph.get(node) ?? [])];
      if (frame[1] < edges.length) {
        const next = edges[frame[1]++];
        if (!indices.has(next)) {
          indices.set(next, index);
          low.set(next, index);
          index++;
          stack.push(next);
          onStack.add(next);
          work.push([next, 0]);
        } else if (onStack.has(next)) {
          low.set(node, Math.min(low.get(node), indices.get(next)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === indices.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        const selfLoop = component.length === 1 && (graph.get(node) ?? new Set()).has(node);
        if (component.length > 1 || selfLoop) cycles.push(component.reverse());
      }
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) strongConnect(node);
  return cycles;
}

/** One shortest path from `start` back to itself inside a component, for a readable message. */
function cyclePath(graph, component) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...component, component[0]];
}

/**
 * Checks every src/**\/*.ts file under `root` and returns the problems found:
 * { file, line, rule, message } with `file` relative to root, '/'-separated.
 */
export function checkImports(root) {
  const srcDir = join(root, 'src');
  const files = walk(srcDir);
  const rel = (file) => relative(root, file).split(sep).join('/');
  const problems = [];
  const graph = new Map();
  const report = (file, line, rule, message) => problems.push({ file: rel(file), line, rule, message });

  for (const file of files) {
    const path = rel(file);
    const name = path.split('/').pop();
    const inStorage = path.startsWith('src/platform/storage/');
    const ownModule = /^src\/modules\/([^/]+)\//.exec(path)?.[1];
    const isService = name.endsWith('.service.ts');
    const isRepo = name.endsWith('.repo.ts');
    const isPureFhir = path.startsWith('src/fhir/');
    const edges = new Set();
    graph.set(path, edges);

    for (const imp of parseImports(readFileSync(file, 'utf8'))) {
      const { spec, line } = imp;
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (!target) {
          report(file, line, 'unresolved', `cannot resolve "${spec}"`);
          continue;
        }
        const targetPath = rel(target);
        const targetModule = /^src\/modules\/([^/]+)\/(.+)$/.exec(targetPath);
        if (ownModule && targetModule && targetModule[1] !== ownModule && targetModule[2] !== 'index.ts') {
          report(file, line, 'module-boundary', `imports ${targetPath}: use modules/${targetModule[1]}/index.ts, the module's only public surface`);
        }
        if (isRepo && targetPath.endsWith('.service.ts')) {
          report(file, line, 'repo-imports-service', `a repo must not import a service (${targetPath}); imports run routes → service → repo`);
        }
        if (isPureFhir && targetPath.startsWith('src/platform/storage/')) {
          report(file, line, 'fhir-pure', `src/fhir holds pure helpers and must not reach storage (${targetPath})`);
        }
        if (!imp.typeOnly && !imp.dynamic && targetPath.startsWith('src/')) edges.add(targetPath);
        continue;
      }
      const pkg = packageOf(spec);
      if (DB_DRIVERS.includes(pkg) && !inStorage) {
        report(file, line, 'db-driver', `imports "${spec}": only src/platform/storage talks to the database driver; use the Db interface`);
      }
      if ((isService || isRepo) && isFastify(spec)) {
        report(file, line, 'no-fastify', `a ${isService ? 'service' : 'repo'} must not import "${spec}"; HTTP belongs in *.routes.ts`);
      }
      if (isPureFhir && (isFastify(spec) || IO_MODULES.includes(pkg) || DB_DRIVERS.includes(pkg))) {
        report(file, line, 'fhir-pure', `src/fhir holds pure helpers (no HTTP, no I/O) and must not import "${spec}"`);
      }
    }
  }

  for (const component of findCycles(graph)) {
    const path = cyclePath(graph, component);
    problems.push({ file: path[0], line: 0, rule: 'import-cycle', message: `import cycle: ${path.join(' → ')}` });
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

function main() {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const started = performance.now();
  const problems = checkImports(root);
  const ms = Math.round(performance.now() - started);
  if (problems.length === 0) {
    console.log(`check-imports: ok (${ms} ms)`);
    return 0;
  }
  for (const p of problems) console.error(`${p.file}${p.line ? `:${p.line}` : ''}  [${p.rule}]  ${p.message}`);
  console.error(`check-imports: ${problems.length} problem(s) found (${ms} ms)`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
