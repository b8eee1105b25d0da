import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

// The sandbox user code runs in on this machine (jobs' images, model servers): a private mount namespace
// that shows the job's directory at /opt/ml and its own directory at /tmp, optionally no network, and —
// when Loam runs as root — a uid of its own, so it cannot read Loam's data directory (the admin
// credentials, the metadata database, other jobs' data) nor signal or trace Loam. One copy for the
// runner (jobs) and the local instance launcher (endpoints); it loads nothing else of the adapters.

/** Where every sandboxed process sees its directory. */
export const optMl = '/opt/ml';

/**
 * The uids user code runs as: one per process tree, picked at random among these and not held by a live
 * process, so two jobs never share one. Above the ranges distributions hand out (users, subordinate ids).
 */
export const sandboxUids = { first: 2_000_000_000, count: 65_536 } as const;

// Runs inside the new mount namespace. `$1` binds follow as (source, target) pairs, then the working
// directory, then the command: positional parameters, never shell text, so nothing is interpreted.
const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind "$1" "$2" || exit 125; shift 2; n=$((n-1)); done; cd "$1" || exit 125; shift; exec "$@"';

/** The tools of a sandbox, and whether user code can be given its own uid. */
export interface Sandbox {
  readonly unshare: string;
  readonly sh: string;
  /** util-linux `setpriv`, set when processes can run as a uid of their own (Loam is root). */
  readonly setpriv?: string;
  /** Why processes keep Loam's own uid, when they do. */
  readonly sharedUidReason?: string;
}

/** A sandbox, or why this machine cannot give one. */
export type SandboxSupport = ({ readonly supported: true } & Sandbox) | { readonly supported: false; readonly reason: string };

const find = (names: readonly string[]) => names.find((p) => existsSync(p));

/**
 * Whether user code can run in a private mount namespace here (Linux, root, util-linux's `unshare`,
 * `mount` and `setpriv`), probed for real by binding `probeDir` at `/opt/ml`; and whether it can run as a
 * uid of its own, probed by reading each of `mustRead` (the interpreter and scripts it will start) as
 * such a uid: a path other users cannot read (Loam installed under `/root`) keeps Loam's uid, and
 * `sharedUidReason` names it. Creates the empty `/opt/ml` mount point when missing.
 */
export function detectSandbox(probeDir: string, mustRead: readonly string[] = []): SandboxSupport {
  if (process.platform !== 'linux') return { supported: false, reason: 'mount namespaces need Linux' };
  const unshare = find(['/usr/bin/unshare', '/bin/unshare']);
  const sh = find(['/bin/sh', '/usr/bin/sh']);
  if (!unshare || !sh) return { supported: false, reason: "util-linux's 'unshare' or /bin/sh is not installed" };
  try {
    mkdirSync(optMl, { recursive: true, mode: 0o755 });
  } catch (e) {
    return { supported: false, reason: `${optMl} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const probe = sandboxed({ unshare, sh }, { root: probeDir, cwd: optMl, net: false }, '/bin/true', []);
  const r = spawnSync(probe.command, probe.args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  if (r.status !== 0) return { supported: false, reason: `a private mount namespace is not permitted here (${r.stderr?.toString().trim() || `exit ${r.status}`}); run Loam as root` };
  if (process.getuid?.() !== 0) return { supported: true, unshare, sh, sharedUidReason: 'Loam does not run as root' };
  const setpriv = find(['/usr/bin/setpriv', '/bin/setpriv']);
  if (!setpriv) return { supported: true, unshare, sh, sharedUidReason: "util-linux's 'setpriv' is not installed" };
  const uid = String(sandboxUids.first);
  const check = 'for p; do test -r "$p" || { echo "$p"; exit 1; }; done';
  const c = spawnSync(setpriv, [...dropArgs(Number(uid)), '--', sh, '-c', check, 'loam-sandbox', ...mustRead], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  if (c.status !== 0) {
    const path = c.stdout?.toString().trim();
    return { supported: true, unshare, sh, sharedUidReason: path ? `${path} cannot be read by other users (install Loam where other users can read it)` : `'setpriv' failed (${c.stderr?.toString().trim() || `exit ${c.status}`})` };
  }
  return { supported: true, unshare, sh, setpriv };
}

function dropArgs(uid: number): string[] {
  return [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--bounding-set=-all', '--inh-caps=-all'];
}

/** How one process tree is sandboxed. */
export interface SandboxRun {
  /** The host directory the process sees as `/opt/ml`. */
  readonly root: string;
  /** The host directory the process sees as `/tmp` (its own); the machine's `/tmp` when absent. */
  readonly tmp?: string;
  /** The working directory, as the process sees it (`/opt/ml/...`). */
  readonly cwd: string;
  /** A network namespace with no interfaces but a down loopback (`EnableNetworkIsolation`). */
  readonly net: boolean;
  /** The uid (and gid) to run as; Loam's own when absent. Needs `setpriv`. */
  readonly uid?: number;
}

/**
 * The command line that runs `command args…` sandboxed as `run` says. `unshare`, `sh` and `setpriv` all
 * exec, so the command keeps the pid (and process group) its parent spawned.
 */
export function sandboxed(s: Pick<Sandbox, 'unshare' | 'sh' | 'setpriv'>, run: SandboxRun, command: string, args: readonly string[]): { command: string; args: string[] } {
  const binds = [[run.root, optMl], ...(run.tmp ? [[run.tmp, '/tmp']] : [])];
  const drop = run.uid !== undefined && s.setpriv ? [s.setpriv, ...dropArgs(run.uid), '--'] : [];
  return {
    command: s.unshare,
    args: ['--mount', '--propagation', 'private', ...(run.net ? ['--net'] : []), '--', s.sh, '-c', script, 'loam-sandbox', String(binds.length), ...binds.flat(), run.cwd, ...drop, command, ...args],
  };
}

/**
 * Rewrites host paths in a string (an argument, an environment value, a JSON document of paths) to the
 * paths the sandboxed process sees: `root` → `/opt/ml`, `tmp` → `/tmp`. Only whole path prefixes match.
 */
export function containerPaths(run: Pick<SandboxRun, 'root' | 'tmp'>): (text: string) => string {
  const pairs: [string, string][] = [[run.root, optMl], ...(run.tmp ? [[run.tmp, '/tmp'] as [string, string]] : [])];
  // The longer host path first: a `tmp` inside `root` is `/tmp`, not `/opt/ml/tmp`.
  pairs.sort((a, b) => b[0].length - a[0].length);
  const patterns = pairs.map(([host, inside]) => [new RegExp(`${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![^/"'\\s:;,])`, 'g'), inside] as const);
  return (text) => patterns.reduce((t, [re, inside]) => t.replace(re, inside), text);
}

/** A sandbox uid no live process holds (random in {@link sandboxUids}). */
export function pickSandboxUid(): number {
  const live = liveUids();
  for (let i = 0; i < 64; i++) {
    const uid = sandboxUids.first + Math.floor(Math.random() * sandboxUids.count);
    if (!live.has(uid)) return uid;
  }
  return sandboxUids.first + Math.floor(Math.random() * sandboxUids.count);
}

/** Real uids of the live processes (Linux `/proc`; empty elsewhere). */
function liveUids(): Set<number> {
  const out = new Set<number>();
  for (const pid of procEntries()) {
    const uid = processUid(pid);
    if (uid !== undefined) out.add(uid);
  }
  return out;
}

function procEntries(): number[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** The real uid of a process, from `/proc/<pid>/status`. */
export function processUid(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Processes whose real uid is `uid`: every process a sandboxed tree started, wherever it went. */
export function processesOfUid(uid: number): number[] {
  return procEntries().filter((pid) => pid !== process.pid && processUid(pid) === uid);
}

/**
 * Gives `dir` and everything under it to `uid` (links themselves, never what they point to), so the
 * sandboxed process can read and write its own directory and nothing of Loam's.
 */
export async function handOver(dir: string, uid: number): Promise<void> {
  await lchown(dir, uid, uid);
  const st = await lstat(dir);
  if (!st.isDirectory()) return;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await handOver(p, uid);
    else await lchown(p, uid, uid);
  }
}
