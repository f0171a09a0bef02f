#!/usr/bin/env node
// The `xietong` command: runs the built CLI (npm run build first).
import('../dist/main.js').catch((err) => {
  console.error(err);
  process.exit(1);
});
