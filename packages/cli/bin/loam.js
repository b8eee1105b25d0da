#!/usr/bin/env node
// The `loam` command as npm links it (node_modules/.bin/loam). It lives outside dist/ so that the link
// exists right after `npm ci`, before the first build: npm links a package's bin only if the file is
// there at install time. It runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write("loam is not built yet: run 'npm run build' (or 'npm start') in the Loam checkout first.\n");
  process.exit(1);
}
await import(compiled);
