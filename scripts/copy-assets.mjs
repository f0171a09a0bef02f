// Copies non-TypeScript assets (SQL migrations, JSON data) from src/ into dist/ after tsc.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const src = 'src';
const out = 'dist';
const copied = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(sql|json)$/.test(name)) {
      const target = join(out, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
      copied.push(target);
    }
  }
}
walk(src);
console.log(`copied ${copied.length} asset files into ${out}/`);
