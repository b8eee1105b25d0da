import { join } from 'node:path';
import type { RunnerInput } from '@loam/contracts';
import { detectSandbox, enterSandbox, findIp, loamPaths, type SandboxSupport } from '@loam/adapters/executors/local/sandbox';
import type { ContractDir } from './contract-dir.js';
import type { ImageCommand } from './image-command.js';

/** The image's command as it is started, and what the job's log says about its sandbox. */
export interface JobLaunch {
  readonly cmd: ImageCommand;
  readonly env: Record<string, string>;
  /** The sandbox uid the image runs as, when it has one. */
  readonly uid?: number;
  /** One line for the job's log: how the image is isolated, and what it is not protected from. */
  readonly note: string;
}

/** Loam is root and cannot sandbox the image: it is not started (user code never runs as root). */
export class SandboxRefused extends Error {
  override readonly name = 'SandboxRefused';
}

/**
 * Wraps the image's command in its sandbox (ADR 0018): a private mount namespace with the job's
 * directory at `/opt/ml` and its `tmp` at `/tmp` (so the paths in the environment, arguments and
 * working directory become `/opt/ml/...`, as in SageMaker's containers), no network under
 * `EnableNetworkIsolation`, and a uid of its own that owns the job's directory and nothing else. Loam
 * run as another user than root cannot sandbox: the image runs as before (host paths, Loam's uid,
 * `unshare --net` when asked) and the log says so.
 * @throws SandboxRefused when Loam is root and this machine cannot build the sandbox.
 */
export async function prepareLaunch(input: RunnerInput, dir: ContractDir, cmd: ImageCommand, env: Record<string, string>): Promise<JobLaunch> {
  const net = input.spec.networkIsolation && input.unshare !== undefined;
  const what = `${input.spec.image.type} image ${input.spec.image.uri}`;
  const s: SandboxSupport = input.sandbox === 'off' ? { kind: 'unsandboxed', reason: 'executor.sandbox is off' } : detectSandbox(dir.root, loamPaths(input.python), input.python);
  if (s.kind === 'refused') throw new SandboxRefused(`the image was not started: Loam runs as root and cannot sandbox it (${s.reason}), and user code never runs as root`);
  if (s.kind === 'unsandboxed') {
    // The loopback up in the new network namespace (root, sandbox off), as the sandbox does.
    const ip = net ? findIp() : undefined;
    const inNet = ip ? ['/bin/sh', '-c', 'ip=$1; shift; "$ip" link set lo up || exit 125; exec "$@"', 'loam-net', ip, cmd.command, ...cmd.args] : [cmd.command, ...cmd.args];
    const plain = net ? { ...cmd, command: input.unshare as string, args: ['--net', '--', ...inNet] } : cmd;
    return { cmd: plain, env, note: `Running ${what}${net ? ' with network isolation' : ''} without a sandbox (${s.reason}): it runs as Loam's own user, and /opt/ml is not private to the job (paths in the entrypoint, arguments and environment point into the job's directory; a script that hard-codes /opt/ml/... will not find its files).` };
  }
  const { env: mapped, uid, ...wrapped } = await enterSandbox(s, { root: dir.root, tmp: join(input.workDir, 'tmp'), home: input.workDir, net, cwd: cmd.cwd, env, ...(env['LOAM_JOB_MARKER'] !== undefined ? { marker: env['LOAM_JOB_MARKER'] } : {}) }, cmd.command, cmd.args);
  return { cmd: { ...cmd, ...wrapped }, env: mapped, uid, note: `Running ${what} in a sandbox as uid ${uid}, with the job directory at /opt/ml${net ? ' and network isolation' : ''}.` };
}
