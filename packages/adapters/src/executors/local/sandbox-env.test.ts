import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSandbox, enterSandbox, killUid } from './sandbox.js';

// ADR 0018 addendum: the user's environment reaches only the user's process. The root part runs with a
// fixed PATH, the user's variables renamed (inert), and none of their values on a command line, which
// any local user can read in /proc/<pid>/cmdline.

const asRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'loam-sandbox-env-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.runIf(asRoot)('enterSandbox and the environment', () => {
  it("gives the user's process exactly its variables (odd names and values included), and the root part none of them by name or on a command line", async () => {
    const root = mkdtempSync(join(scratch, 'root-'));
    mkdirSync(join(root, 'tmp'));
    const s = detectSandbox(root);
    expect(s.kind, (s as { reason?: string }).reason).toBe('sandbox');
    if (s.kind !== 'sandbox') return;
    const env = {
      PATH: '/usr/bin:/bin', SECRET_TOKEN: 'hunter2-do-not-print', LD_PRELOAD: '/nowhere/evil.so', MULTI: 'a\nb c', EMPTY: '',
      i: 'x', n: 'y', IFS: 'z', _loam_k: 'mine', LOAM_JOB_MARKER: 'chosen-by-the-user',
    };
    const run = await enterSandbox(s, { root, tmp: join(root, 'tmp'), home: scratch, net: false, cwd: root, env }, '/usr/bin/env', ['-0']);
    expect(run.args.join(' ')).not.toContain('hunter2');
    expect(run.args.join(' ')).not.toContain('evil.so');
    expect(run.env['PATH']).toBe('/usr/sbin:/usr/bin:/sbin:/bin');
    expect(run.env['LD_PRELOAD']).toBeUndefined();
    expect(run.env['SECRET_TOKEN']).toBeUndefined();
    // A marker is Loam's to give (jobs do); the user's variable of that name is not one.
    expect(run.env['LOAM_JOB_MARKER']).toBeUndefined();
    const r = spawnSync(run.command, run.args, { env: run.env, cwd: root, encoding: 'utf8', timeout: 10_000 });
    killUid(run.uid);
    expect(r.status, r.stderr).toBe(0);
    const seen = Object.fromEntries(r.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    // LD_PRELOAD reaches the user's own process (as in a container), where it can only load the user's own library;
    // `_loam_*` names are the restoring shell's own and are dropped.
    const { PWD: pwd, ...rest } = seen;
    const { _loam_k: _reserved, ...expected } = env;
    expect(rest).toEqual(expected);
    // Inside, the working directory is /opt/ml; no host path shows (OLDPWD was one).
    expect(pwd).toBe('/opt/ml');
  });

  it("keeps a user's variable named NO_PATH, and sets no PATH when the user set none", async () => {
    const root = mkdtempSync(join(scratch, 'root-'));
    mkdirSync(join(root, 'tmp'));
    const s = detectSandbox(root);
    if (s.kind !== 'sandbox') throw new Error('no sandbox');
    const run = await enterSandbox(s, { root, tmp: join(root, 'tmp'), home: scratch, net: false, cwd: root, env: { NO_PATH: 'mine' } }, '/usr/bin/env', ['-0']);
    const r = spawnSync(run.command, run.args, { env: run.env, cwd: root, encoding: 'utf8', timeout: 10_000 });
    killUid(run.uid);
    expect(r.status, r.stderr).toBe(0);
    const seen = Object.fromEntries(r.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const { PWD: _pwd, ...rest } = seen;
    expect(rest).toEqual({ NO_PATH: 'mine' });
  });

  it("keeps a user's variable named like a carried one (LOAM_U_<name>) apart from <name>, in either order", async () => {
    const root = mkdtempSync(join(scratch, 'root-'));
    mkdirSync(join(root, 'tmp'));
    const s = detectSandbox(root);
    if (s.kind !== 'sandbox') throw new Error('no sandbox');
    // A job's variables come first and Loam's own (SM_MODEL_DIR, HOME, ...) after them.
    for (const env of [{ LOAM_U_FOO: 'mine', FOO: 'loam' }, { FOO: 'loam', LOAM_U_FOO: 'mine' }]) {
      const run = await enterSandbox(s, { root, tmp: join(root, 'tmp'), home: scratch, net: false, cwd: root, env }, '/usr/bin/env', ['-0']);
      const r = spawnSync(run.command, run.args, { env: run.env, cwd: root, encoding: 'utf8', timeout: 10_000 });
      killUid(run.uid);
      expect(r.status, r.stderr).toBe(0);
      const seen = Object.fromEntries(r.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const { PWD: _pwd, ...rest } = seen;
      expect(rest, JSON.stringify(env)).toEqual({ LOAM_U_FOO: 'mine', FOO: 'loam' });
    }
  });
});
