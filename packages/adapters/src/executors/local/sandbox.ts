import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The sandbox user code runs in on this machine (jobs' images, model servers): a private mount namespace
// that shows the job's directory at /opt/ml and its own directory at /tmp (and /var/tmp, and a fresh
// /dev/shm), a /proc that shows only its own processes, optionally no network, and a uid of its own,
// so it cannot read Loam's data directory (the admin credentials, the metadata database, other jobs'
// data) nor signal or trace Loam. User code never runs as root: when Loam is root and cannot sandbox,
// it refuses to start it. One copy for the runner (jobs) and the local instance launcher (endpoints);
// it loads nothing else of the adapters.

/** Where every sandboxed process sees its directory. */
const optMl = '/opt/ml';

/**
 * The uids user code runs as: one per process tree, picked at random among these 2^24 and not held by a
 * live process. Above the ranges distributions hand out (users, subordinate ids, SSSD's id mapping up to
 * 2,000,200,000, systemd's container ranges up to 0x6FFFFFFF) and below 2^31 (signed-uid tools).
 */
export const sandboxUids = { first: 2_100_000_000, count: 16_777_216 } as const;

/** Whether `uid` is one of the sandbox's. */
function isSandboxUid(uid: number): boolean {
  return uid >= sandboxUids.first && uid < sandboxUids.first + sandboxUids.count;
}

// Runs inside the new mount namespace, with positional parameters only (never shell text, so nothing is
// interpreted): `N`, N bind sources, `M`, M directories to hide, `F`, N bind targets (in the same order;
// those from the F-th on are Loam's own paths, bound read-only), the working directory, the command.
// Every source is first bound into a private staging tmpfs on /opt/ml, while the machine's view is
// untouched, so no mount can hide a later source; then each directory to hide (one other users cannot
// enter, such as /root where Loam may be installed) becomes an empty tmpfs; then each target gets its
// source (mount points created as needed), /opt/ml last, over the staging area. Then a fresh /dev/shm
// and a /proc that shows a process only to its own uid.
const script = [
  // Under EnableNetworkIsolation (a network namespace of its own) the loopback is brought up, as in a
  // container with no network: the job reaches its own servers on 127.0.0.1 and nothing else.
  'net=$1; lo=$2; shift 2',
  'if [ "$lo" != - ]; then "$lo" link set lo up || exit 125; fi',
  // A network-isolated model server is reached through a bridge Loam starts here, still as root and
  // before anything is hidden: a Unix socket on the host's side, 127.0.0.1:<port> on this side. The
  // server starts once the socket is there.
  'bn=$1; bs=$2; bk=$3; bp=$4; shift 4',
  'if [ "$bn" != - ]; then',
  '  "$bn" "$bs" "$bk" "$bp" </dev/null >/dev/null 2>&1 &',
  '  i=0; while [ ! -S "$bk" ]; do i=$((i+1)); [ "$i" -gt 400 ] && exit 125; sleep 0.025; done',
  'fi',
  'n=$1; shift',
  'mount -t tmpfs -o mode=0700 tmpfs /opt/ml || exit 125',
  'i=0; while [ "$i" -lt "$n" ]; do mkdir /opt/ml/s$i && mount --bind "$1" /opt/ml/s$i || exit 125; shift; i=$((i+1)); done',
  'm=$1; shift',
  'while [ "$m" -gt 0 ]; do mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$1" || exit 125; shift; m=$((m-1)); done',
  'i=0; root=; fixed=$1; shift',
  'while [ "$i" -lt "$n" ]; do',
  '  if [ "$1" = /opt/ml ]; then root=$i; else mkdir -p "$1" && mount --bind /opt/ml/s$i "$1" || exit 125; fi',
  '  if [ "$i" -ge "$fixed" ]; then mount -o remount,bind,ro,nosuid,nodev "$1" || exit 125; fi',
  '  shift; i=$((i+1))',
  'done',
  'mount --bind /opt/ml/s$root /opt/ml || exit 125',
  'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm || exit 125',
  // A network namespace keeps IP traffic in, not Unix sockets in the host's filesystem: the machine's
  // services keep theirs under /run (PostgreSQL, MariaDB, D-Bus …), hidden here from an isolated process.
  'if [ "$net" = 1 ]; then mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run || exit 125; fi',
  // Per-mount hidepid needs Linux 5.8; on an older kernel the option would apply to the machine's own
  // /proc, so there the sandbox keeps it (other uids' environments and files stay unreadable anyway).
  'mount -t proc -o hidepid=invisible,nosuid,nodev,noexec proc /proc 2>/dev/null || :',
  'cd "$1" || exit 125; shift',
  'exec "$@"',
].join('\n');

/** A path Loam starts code from, kept visible in the sandbox: bound again under a hidden directory, or inside the private /tmp. */
interface Exposure {
  /** The directory replaced by an empty tmpfs first (one other users cannot enter), if any. */
  readonly hide?: string;
  readonly path: string;
}

const privateDirs = ['/tmp', '/var/tmp', '/dev/shm'];
const under = (p: string, dir: string) => p === dir || p.startsWith(dir + sep);

/**
 * What must be done for each of `paths` to stay visible to a sandbox uid: one inside a private
 * directory is bound again there; one below a directory other users cannot enter hides that directory
 * (once) and is bound again inside it; any other needs nothing.
 */
function exposuresFor(paths: readonly string[]): Exposure[] {
  const out: Exposure[] = [];
  const hidden = new Set<string>();
  for (const p of [...new Set(paths)].sort()) {
    if (privateDirs.some((d) => under(p, d))) {
      out.push({ path: p });
      continue;
    }
    let closed: string | undefined;
    for (let a = p; a !== dirname(a); a = dirname(a)) {
      try {
        if ((statSync(a).mode & 0o001) === 0 && a !== p) closed = a;
      } catch {
        // missing: the probe names it
      }
    }
    if (closed === undefined) continue;
    out.push({ ...(hidden.has(closed) ? {} : { hide: closed }), path: p });
    hidden.add(closed);
  }
  return out;
}

/**
 * The host directories Loam itself starts code from in the sandbox: its installation (the directory
 * holding its packages and `node_modules`), and the prefixes of the Node and Python interpreters.
 */
export function loamPaths(python?: string): string[] {
  let app = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
  const nm = app.indexOf(`${sep}node_modules${sep}`);
  if (nm >= 0) app = app.slice(0, nm);
  const prefix = (exe: string) => {
    try {
      const d = dirname(realpathSync(exe));
      return basename(d) === 'bin' ? dirname(d) : d;
    } catch {
      return undefined;
    }
  };
  // The interpreter as configured (a pyenv shim, a virtualenv's bin/) and as resolved (its installation).
  const own = (exe: string) => (basename(dirname(exe)) === 'bin' ? dirname(dirname(exe)) : dirname(exe));
  return [app, prefix(process.execPath), ...(python ? [own(python), prefix(python)] : [])].filter((p): p is string => p !== undefined);
}

/** The tools of a sandbox, and what of the machine it keeps visible. */
export interface Sandbox {
  readonly unshare: string;
  readonly sh: string;
  /** util-linux `setpriv`: the process runs as a uid of its own. */
  readonly setpriv: string;
  /** iproute2 `ip`, to bring the loopback up in a network namespace of its own; absent: it stays down. */
  readonly ip?: string;
  readonly exposures: readonly Exposure[];
}

/**
 * What this machine does with user code: sandbox it; run it as Loam's own (non-root) user, as before
 * there was a sandbox, because only root can build one; or refuse it, because Loam is root and the
 * sandbox cannot be built (user code never runs as root).
 */
export type SandboxSupport =
  | ({ readonly kind: 'sandbox' } & Sandbox)
  | { readonly kind: 'unsandboxed'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

const find = (names: readonly string[]) => names.find((p) => existsSync(p));

/**
 * Whether user code can be sandboxed here, probed for real: a private mount namespace with `probeDir`
 * bound at `/opt/ml` and `/tmp`, and a uid of its own that can read each of `keep` — what Loam itself
 * starts code from ({@link loamPaths}; never paths the user passed, which would let a job choose its own
 * outcome). Creates the empty `/opt/ml` mount point when missing.
 */
export function detectSandbox(probeDir: string, keep: readonly string[] = [], python?: string): SandboxSupport {
  const root = process.getuid?.() === 0;
  const no = (reason: string): SandboxSupport => (root ? { kind: 'refused', reason } : { kind: 'unsandboxed', reason });
  if (process.platform !== 'linux') return no('the sandbox needs Linux');
  if (!root) return no('Loam does not run as root');
  const unshare = findUnshare();
  const sh = find(['/bin/sh', '/usr/bin/sh']);
  const setpriv = find(['/usr/bin/setpriv', '/bin/setpriv']);
  if (!unshare || !sh || !setpriv) return no("util-linux's 'unshare' and 'setpriv', and /bin/sh, must be installed");
  try {
    mkdirSync(optMl, { recursive: true, mode: 0o755 });
  } catch (e) {
    return no(`${optMl} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // Each path readable, and the Python (a shim or a virtualenv may need more than its prefix) able to start.
  const check = 'for p; do test -r "$p" || { echo "$p"; exit 1; }; done; if [ -n "$LOAM_PROBE_PYTHON" ]; then "$LOAM_PROBE_PYTHON" -c pass >/dev/null 2>&1 || { echo "$LOAM_PROBE_PYTHON (it does not start)"; exit 1; }; fi';
  const exposures = exposuresFor(keep);
  // The probe's /tmp must be one the sandbox uid can enter, as a job's own /tmp is (Loam may live in /tmp).
  const probeTmp = mkdtempSync(join(tmpdir(), 'loam-sandbox-probe-'));
  let r;
  try {
    chmodSync(probeTmp, 0o711);
    const probe = sandboxed({ unshare, sh, setpriv, exposures }, { root: probeDir, tmp: probeTmp, cwd: optMl, net: false, uid: sandboxUids.first }, sh, ['-c', check, 'loam-sandbox', ...keep]);
    r = spawnSync(probe.command, probe.args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...(python ? { LOAM_PROBE_PYTHON: python } : {}) } });
  } finally {
    rmSync(probeTmp, { recursive: true, force: true });
  }
  if (r.status === 1 && r.stdout?.toString().trim()) return no(`${r.stdout.toString().trim()} cannot be used by another user: install Loam, and the interpreters it runs (images.python), where other users can read them; configure the interpreter itself, not a shim`);
  if (r.status !== 0) return no(`the sandbox could not be built here (${r.stderr?.toString().trim() || r.error?.message || `exit ${r.status}`})`);
  const ip = findIp();
  return { kind: 'sandbox', unshare, sh, setpriv, exposures, ...(ip ? { ip } : {}) };
}

/** util-linux's `unshare`, where Debian and others install it. */
export function findUnshare(): string | undefined {
  return find(['/usr/bin/unshare', '/bin/unshare']);
}

/** iproute2's `ip`, where Debian and others install it. */
export function findIp(): string | undefined {
  return find(['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']);
}

function dropArgs(uid: number): string[] {
  return [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--bounding-set=-all', '--inh-caps=-all'];
}

/** A bridge into a network-isolated sandbox: `node script socket port`. */
export interface LoopbackBridge {
  readonly node: string;
  readonly script: string;
  /** Where it listens, on the host's side (in a directory only root can enter). */
  readonly socket: string;
  /** Where it connects, inside the sandbox's own network. */
  readonly port: number;
}

/** How one process tree is sandboxed. */
export interface SandboxRun {
  /** The host directory the process sees as `/opt/ml`. */
  readonly root: string;
  /** The host directory the process sees as `/tmp` (its own); the machine's `/tmp` when absent. */
  readonly tmp?: string;
  /** The working directory, as the process sees it (`/opt/ml/...`). */
  readonly cwd: string;
  /** A network namespace of its own with only the loopback, up when `ip` was found (`EnableNetworkIsolation`). */
  readonly net: boolean;
  /** With `net`: a bridge (Loam's own script, run as root in that network) from a host Unix socket to 127.0.0.1:port. */
  readonly bridge?: LoopbackBridge;
  /** The uid (and gid) to run as. */
  readonly uid: number;
}

/**
 * The command line that runs `command args…` sandboxed as `run` says. `unshare`, `sh` and `setpriv` all
 * exec, so the command keeps the pid (and process group) its parent spawned.
 */
export function sandboxed(s: Sandbox, run: SandboxRun, command: string, args: readonly string[]): { command: string; args: string[] } {
  const binds: [string, string][] = [[run.root, optMl], ...(run.tmp ? [[run.tmp, '/tmp'], [run.tmp, '/var/tmp']] as [string, string][] : []), ...s.exposures.map((e) => [e.path, e.path] as [string, string])];
  const hides = s.exposures.flatMap((e) => (e.hide ? [e.hide] : []));
  const drop = [s.setpriv, ...dropArgs(run.uid), '--'];
  return {
    command: s.unshare,
    args: [
      '--mount', '--propagation', 'private', ...(run.net ? ['--net'] : []), '--', s.sh, '-c', script, 'loam-sandbox',
      run.net ? '1' : '0', run.net && s.ip ? s.ip : '-',
      ...(run.net && run.bridge ? [run.bridge.node, run.bridge.script, run.bridge.socket, String(run.bridge.port)] : ['-', '-', '-', '-']),
      String(binds.length), ...binds.map(([src]) => src), String(hides.length), ...hides,
      String(binds.length - s.exposures.length), ...binds.map(([, target]) => target),
      run.cwd, ...drop, command, ...args,
    ],
  };
}

/** The PATH the root part of the sandbox (unshare, the script, mount, ip, the bridge) runs with. */
const rootPath = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The user's variables cross the root part under this prefix, inert to every tool there. It starts with
 * `_loam_`, which no user name does (they are dropped), so a carried name is never also a user's: under
 * `LOAM_U_`, a user's `LOAM_U_FOO` was the carried copy of `FOO` and one of the two took the other's value.
 */
const carried = '_loam_u_';
/** Names a shell can set; `_loam_*` are the restoring shell's own. */
const isName = (k: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !k.startsWith('_loam_');

/**
 * Run as the sandbox uid, before the user's command: gives each carried variable back its name (the
 * names are the arguments up to `--`), removes the carried copies, the root PATH when the user set none
 * (`_loam_no_path`), and the script's own variables.
 */
const restoreEnv = [
  // The root script's `cd` left the host path of the working directory here.
  'unset OLDPWD',
  'while [ "$#" -gt 0 ]; do',
  '  _loam_k=$1; shift',
  '  [ "$_loam_k" = -- ] && break',
  '  eval "_loam_v=\\${' + carried + '$_loam_k}"',
  '  unset "' + carried + '$_loam_k"',
  '  export "$_loam_k=$_loam_v"',
  'done',
  'if [ -n "${_loam_no_path-}" ]; then unset PATH; fi',
  'unset _loam_k _loam_v _loam_no_path',
  'exec "$@"',
].join('\n');

/**
 * Prepares one process tree for the sandbox: a fresh uid that is given `root` (and `tmp`, when it is not
 * inside `root`), the environment, arguments and working directory rewritten to what the process sees
 * (`home` → `/tmp` unless the caller's environment chose another), and the command line that runs it.
 *
 * The environment is the user's (a job's or a model's Environment), so it never reaches what runs as
 * root: `LD_PRELOAD`, `PATH`, `NODE_OPTIONS` … would run the user's code in `unshare`, the script's
 * `mount`, `ip` or the bridge. Those get a fixed PATH, the job's kill marker (`marker`, from Loam, never
 * from the user's variables) and the user's variables renamed `_loam_u_<name>`, inert there; after the
 * uid drop a shell gives them back their names. Values never go on a command line, which any local
 * user can read.
 */
export async function enterSandbox(
  s: Sandbox,
  o: {
    readonly root: string; readonly tmp: string; readonly home: string; readonly net: boolean; readonly bridge?: LoopbackBridge; readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    /** The job's kill marker (`LOAM_JOB_MARKER`), set by Loam for the processes of the root part too. */
    readonly marker?: string;
  },
  command: string,
  args: readonly string[],
): Promise<{ command: string; args: string[]; env: Record<string, string>; uid: number }> {
  const uid = pickSandboxUid();
  await handOver(o.root, uid);
  if (!o.tmp.startsWith(o.root + sep)) await handOver(o.tmp, uid);
  const inside = containerPaths({ root: o.root, tmp: o.tmp });
  const env = Object.fromEntries(Object.entries(o.env).map(([k, v]) => [k, inside(v)]));
  if (o.env['HOME'] === o.home) env['HOME'] = '/tmp';
  // Names a shell cannot set are dropped, as the shells in between always dropped them (and `_loam_*`).
  const names = Object.keys(env).filter(isName);
  const rootEnv: Record<string, string> = {
    ...Object.fromEntries(names.map((k) => [`${carried}${k}`, env[k] as string])),
    // `_loam_*` is no user's name (they are dropped), so a user's NO_PATH stays theirs.
    ...(env['PATH'] === undefined ? { _loam_no_path: '1' } : {}),
    PATH: rootPath, ...(o.marker !== undefined ? { LOAM_JOB_MARKER: o.marker } : {}),
  };
  const userCommand = ['-c', restoreEnv, 'loam-env', ...names, '--', command, ...args.map(inside)];
  return { ...sandboxed(s, { root: o.root, tmp: o.tmp, cwd: inside(o.cwd), net: o.net, ...(o.bridge ? { bridge: o.bridge } : {}), uid }, s.sh, userCommand), env: rootEnv, uid };
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
function processUid(pid: number): number | undefined {
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

/**
 * Deletes a directory a sandboxed process was given: first every process of the uid that owns `owned`
 * (which could otherwise swap a directory for a link while root deletes the tree, and so make root delete
 * anything), then the tree. A directory never handed over is simply deleted.
 */
export function removeSandboxed(dir: string, owned: string): void {
  try {
    const uid = lstatSync(owned).uid;
    if (isSandboxUid(uid)) killUid(uid);
  } catch {
    // nothing was handed over
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * SIGKILLs every process of `uid` and returns once none of them runs any more (or after `waitMs`). The
 * signal is sent by a process of that uid itself, `kill(-1, SIGKILL)`: the kernel signals every process
 * the sender may signal in one pass that a fork cannot slip through, so neither a process that forks and
 * exits in a loop nor a thread outliving its group's leader escapes, as they would a sweep of /proc.
 */
export function killUid(uid: number, waitMs = 2_000): void {
  const setpriv = find(['/usr/bin/setpriv', '/bin/setpriv']);
  const sh = find(['/bin/sh', '/usr/bin/sh']);
  const end = Date.now() + waitMs;
  for (;;) {
    const live = processesOfUid(uid).filter(isRunning);
    if (live.length === 0 || Date.now() > end) return;
    if (setpriv && sh && process.getuid?.() === 0) {
      spawnSync(setpriv, [...dropArgs(uid), '--', sh, '-c', 'kill -KILL -1'], { stdio: 'ignore', timeout: 5_000 });
    } else {
      for (const pid of live) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    Atomics.wait(pause, 0, 0, 5);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Whether a process may still run code: not gone, and not a zombie whose every thread has ended (a
 * zombie leader can have live threads; `Threads:` counts them).
 */
export function isRunning(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? '1');
    return state !== 'Z' || threads > 1;
  } catch {
    return false;
  }
}
