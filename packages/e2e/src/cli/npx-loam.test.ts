import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../loam-process.test-support.js';

// Every CLI command in the README and docs is `npx loam …`, right after `npm ci && npm start`. npm links
// a bin only if its file exists at install time, so the link must not point into dist/ (built later).
describe('npx loam, after the quick start', () => {
  it('is linked by npm install and runs the built CLI', () => {
    expect(lstatSync(join(repoRoot, 'node_modules/.bin/loam')).isSymbolicLink()).toBe(true);
    const help = execFileSync('npx', ['--no-install', 'loam', '--help'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(help).toMatch(/^Usage: loam /m);
    expect(help).toContain('up [options]');
  }, 60_000);
});
