import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

/** The mount point every job sees its own contract directory at. */
export const optMl = '/opt/ml';

// Runs inside the new mount namespace: bind the job's directory over /opt/ml, then become the image's
// command. The paths arrive as positional parameters, never as shell text, so nothing is interpreted.
const bindAndExec = 'mount --bind "$0" /opt/ml && exec "$@"';

/** How to give the image a private `/opt/ml`, or why it cannot have one. */
export type OptMlSupport = { readonly supported: true; readonly unshare: string; readonly sh: string } | { readonly supported: false; readonly reason: string };

/**
 * Whether the image can run in a private mount namespace with the job's contract directory bound at
 * `/opt/ml` (Linux, root, util-linux's `unshare` and `mount`). Probed for real with `probeDir`, so
 * "supported" means the bind worked here. Creates the empty `/opt/ml` mount point when missing.
 */
export function detectOptMl(probeDir: string): OptMlSupport {
  if (process.platform !== 'linux') return { supported: false, reason: 'mount namespaces need Linux' };
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));
  const sh = ['/bin/sh', '/usr/bin/sh'].find((p) => existsSync(p));
  if (!unshare || !sh) return { supported: false, reason: "util-linux's 'unshare' or /bin/sh is not installed" };
  try {
    mkdirSync(optMl, { recursive: true, mode: 0o755 });
  } catch (e) {
    return { supported: false, reason: `${optMl} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const r = spawnSync(unshare, ['--mount', '--propagation', 'private', '--', sh, '-c', bindAndExec, probeDir, '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  if (r.status !== 0) return { supported: false, reason: `a private mount namespace is not permitted here (${r.stderr?.toString().trim() || `exit ${r.status}`}); run Loam as root` };
  return { supported: true, unshare, sh };
}

/**
 * The command line that runs `command args…` with the job's `root` at `/opt/ml`, optionally also in a
 * network namespace with no interfaces (`EnableNetworkIsolation`). `unshare` and `sh` both exec, so
 * the image keeps the pid (and process group) the runner spawned.
 */
export function inNamespaces(s: { unshare: string; sh: string }, root: string | undefined, net: boolean, command: string, args: readonly string[]): { command: string; args: string[] } {
  const flags = [...(root ? ['--mount', '--propagation', 'private'] : []), ...(net ? ['--net'] : [])];
  if (root) return { command: s.unshare, args: [...flags, '--', s.sh, '-c', bindAndExec, root, command, ...args] };
  return { command: s.unshare, args: [...flags, '--', command, ...args] };
}
