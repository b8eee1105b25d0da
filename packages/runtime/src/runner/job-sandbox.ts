import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { RunnerInput } from '@loam/contracts';
import { containerPaths, detectSandbox, handOver, pickSandboxUid, sandboxed } from '@loam/adapters/executors/local/sandbox';
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

/**
 * Wraps the image's command in its sandbox: a private mount namespace with the job's directory at
 * `/opt/ml` and its `tmp` at `/tmp` (so the paths in the environment, arguments and working directory
 * become `/opt/ml/...`, as in SageMaker's containers), no network under `EnableNetworkIsolation`, and —
 * when Loam runs as root — a uid of its own that owns the job's directory and nothing else. Where this
 * machine cannot sandbox, the image runs as before: host paths, Loam's uid, `unshare --net` when asked.
 */
export async function prepareLaunch(input: RunnerInput, dir: ContractDir, cmd: ImageCommand, env: Record<string, string>): Promise<JobLaunch> {
  const net = input.spec.networkIsolation && input.unshare !== undefined;
  const what = `${input.spec.image.type} image ${input.spec.image.uri}`;
  const hostPaths = [cmd.command, ...cmd.args].filter((a) => isAbsolute(a) && !a.startsWith(dir.root) && existsSync(a));
  const s = detectSandbox(dir.root, hostPaths);
  if (!s.supported) {
    const plain = net ? { ...cmd, command: input.unshare as string, args: ['--net', '--', cmd.command, ...cmd.args] } : cmd;
    return { cmd: plain, env, note: `Running ${what}${net ? ' with network isolation' : ''}. /opt/ml is not private to this job (${s.reason}): paths in the entrypoint, arguments and environment point into the job's directory, a script that hard-codes /opt/ml/... will not find its files, and the image runs as Loam's own user.` };
  }
  const tmp = join(input.workDir, 'tmp');
  const uid = s.setpriv ? pickSandboxUid() : undefined;
  if (uid !== undefined) {
    await handOver(dir.root, uid);
    await handOver(tmp, uid);
  }
  const inside = containerPaths({ root: dir.root, tmp });
  const mapped = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, inside(v)]));
  // The job's home is its own /tmp unless the Environment chose another.
  if (env['HOME'] === input.workDir) mapped['HOME'] = '/tmp';
  const wrapped = sandboxed(s, { root: dir.root, tmp, cwd: inside(cmd.cwd), net, ...(uid !== undefined ? { uid } : {}) }, cmd.command, cmd.args.map(inside));
  const who = uid !== undefined ? ` as uid ${uid}` : ` as Loam's own user (${s.sharedUidReason})`;
  return { cmd: { ...cmd, ...wrapped }, env: mapped, ...(uid !== undefined ? { uid } : {}), note: `Running ${what} with the job directory at /opt/ml${net ? ' with network isolation' : ''}${who}.` };
}
