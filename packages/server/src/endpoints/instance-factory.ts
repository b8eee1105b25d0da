import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeSandboxed } from '@loam/adapters/executors/local/sandbox';
import type { ArtifactStore, InstanceLauncher, Logger, ServingContainer } from '@loam/core';
import { builtinServerCommand, builtinSettings, INSTANCE_SECRET_ENV, loadBuiltinPredictor, newInstanceSecret, pythonServerScript, stageModel } from '@loam/runtime/model-server/index';
import type { EndpointLogs } from './endpoint-logs.js';
import { HttpInstance, InProcessInstance, type ServingInstance } from './serving-instance.js';

export interface InstanceFactoryOptions {
  readonly artifacts: ArtifactStore;
  readonly launcher: InstanceLauncher;
  /** Where instances keep their files: `<workDir>/<endpoint>/<instance>/opt-ml/model` (`opt-ml` is its `/opt/ml`). */
  readonly workDir: string;
  /** The Python for script-mode models (`images.python`). */
  readonly python: string;
  /** Built-in models: on the server's event loop (default, fastest) or as their own process. */
  readonly builtinServing: 'in-process' | 'process';
  /** Requests in flight per process instance before the router queues (default 32). */
  readonly maxConcurrency?: number;
  readonly logger: Logger;
  /** Where process instances' output is kept (the endpoint's log group); absent, only a short tail is kept for failure reasons. */
  readonly logs?: EndpointLogs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Room for an instance's last lines in a FailureReason (1,024 characters, with the instance's and the config's names). */
const TAIL_ROOM = 700;

/**
 * An instance's last five lines for a failure reason, one line. Long lines (pip's retry warnings) are cut
 * from the front, never the end: the reason keeps its first 1,024 characters, which dropped the
 * newest line, the one that says what the instance was doing.
 */
function lastLines(tail: string): string {
  const text = tail.split('\n').slice(-5).join(' | ');
  if (text.length <= TAIL_ROOM) return text;
  const cut = text.slice(-(TAIL_ROOM - 1));
  return `…${/^[\uDC00-\uDFFF]/.test(cut) ? cut.slice(1) : cut}`;
}

/**
 * Starts one instance of a model container: stages `/opt/ml/model`, then serves a built-in model in
 * process or runs a model server process (built-in, the Python adapter for script mode, or a process
 * image) and waits until it answers /ping. A container's Environment may say `LOAM_SERVING_MODE=process`
 * to run a built-in model in its own process.
 */
export class InstanceFactory {
  constructor(private readonly o: InstanceFactoryOptions) {}

  /** Whether instances can run network-isolated here (the launcher's answer). */
  networkIsolation(): { supported: boolean; reason?: string } {
    return this.o.launcher.networkIsolation?.() ?? { supported: false, reason: 'the instance launcher cannot isolate instances' };
  }

  /**
   * `networkIsolation`: the process gets a network of its own (its loopback only), reached through the launcher's socket.
   * `variantName`: a process instance's output goes to the endpoint's log stream `<variantName>/<instanceId>`.
   * @throws Error with the reason (model data, start failure with the process's last lines, /ping timeout).
   */
  async start(endpointName: string, instanceId: string, c: ServingContainer, startupTimeoutMs: number, networkIsolation = false, variantName?: string): Promise<ServingInstance> {
    const dir = join(this.o.workDir, endpointName, instanceId);
    // A fresh directory: whatever an earlier instance of this id left (a restart reuses ids) is never
    // written through. What the process sees as /opt/ml is `opt-ml`; nothing of Loam's is put there
    // once the process owns it.
    removeSandboxed(dir, join(dir, 'opt-ml'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const root = join(dir, 'opt-ml');
    const modelDir = await stageModel(this.o.artifacts as never, root, c.modelDataUrl, c.environment['SAGEMAKER_SUBMIT_DIRECTORY']);
    const mode = c.environment['LOAM_SERVING_MODE'] ?? this.o.builtinServing;
    const concurrency = Number(c.environment['LOAM_MAX_CONCURRENCY'] ?? this.o.maxConcurrency ?? 32);
    if (c.image.type === 'builtin' && mode === 'in-process') {
      // Served in this process: settings a built-in reads from its environment come from the model's Environment.
      return new InProcessInstance(instanceId, loadBuiltinPredictor(modelDir, { env: c.environment }), Number.MAX_SAFE_INTEGER, modelDir);
    }
    // A built-in model's server is Loam's own code: the model's Environment reaches it only as settings
    // (SAGEMAKER_*, SM_*, LOAM_*, DeepAR's DEEPAR_INFERENCE_CONFIG), never as NODE_OPTIONS, LD_PRELOAD or the like, so it runs no code of
    // the user's (what lets a built-in model be served under EnableNetworkIsolation).
    const given = c.image.type === 'builtin' ? builtinSettings(c.environment) : c.environment;
    const env: Record<string, string> = {
      ...given, SM_MODEL_DIR: modelDir, SAGEMAKER_MODEL_DIR: modelDir, SAGEMAKER_SAFE_PORT_RANGE: '', HOME: root,
    };
    let command: string;
    let args: string[];
    if (c.image.type === 'builtin') {
      ({ command, args } = builtinServerCommand());
      args = [...args, modelDir];
    } else if (c.image.type === 'script') {
      command = this.o.python;
      args = [pythonServerScript()];
      env['SAGEMAKER_PROGRAM'] = c.image.program;
      env['LOAM_CODE_DIR'] = join(modelDir, 'code');
      env['PYTHONUNBUFFERED'] = '1';
      // The instance's own temporary directory (its /tmp in the sandbox), where the adapter installs the
      // model's requirements.txt: never a /tmp shared with other instances when there is no sandbox.
      env['TMPDIR'] = join(root, 'tmp');
      mkdirSync(env['TMPDIR'], { recursive: true, mode: 0o700 });
    } else {
      command = c.image.command;
      args = [...(c.image.args ?? []), 'serve'];
      Object.assign(env, c.image.env ?? {}, c.environment);
    }
    // Loam's own servers answer /invocations only with this (instance-secret.ts); a user's server ignores it.
    const secret = newInstanceSecret();
    env[INSTANCE_SECRET_ENV] = secret;
    const onOutput = this.o.logs && variantName ? this.o.logs.writer(endpointName, variantName, instanceId) : undefined;
    const handle = await this.o.launcher.launch({ instanceId, command, args, env, cwd: root, root, ...(networkIsolation ? { networkIsolation } : {}), ...(onOutput ? { onOutput } : {}) });
    const inst = new HttpInstance(instanceId, handle, concurrency, secret);
    let exited = false;
    void handle.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + startupTimeoutMs;
    for (;;) {
      if (exited) {
        const tail = handle.tail();
        throw new Error(`Instance ${instanceId} exited before answering /ping${tail ? `: ${lastLines(tail)}` : '.'}`);
      }
      if (await inst.ping()) {
        if (handle.portHeldByInstance && !handle.portHeldByInstance()) {
          // Whoever answered is not (only) the instance: a process of another user holds its port.
          await inst.stop(2000);
          throw new Error(`Instance ${instanceId} was stopped: its port ${new URL(handle.url).port} is held by a process of another user, which would receive the model's requests.`);
        }
        inst.state = 'healthy';
        return inst;
      }
      if (Date.now() > deadline) {
        // What it was doing (loading a model, a pip install that waits on an index …) is in its last lines.
        const tail = handle.tail();
        await inst.stop(2000);
        throw new Error(`Instance ${instanceId} did not pass /ping within ${Math.round(startupTimeoutMs / 1000)} s${tail ? `; its last lines: ${lastLines(tail)}` : '.'}`);
      }
      await sleep(100);
    }
  }

  /** Frees an instance's directory (its processes first, if it is still running). */
  cleanup(endpointName: string, instanceId: string): void {
    this.remove(join(this.o.workDir, endpointName, instanceId));
  }

  /**
   * At start: every instance directory an earlier server left (a crash, a stop) goes, with any process
   * still running in it; the endpoints that should run are started again in fresh directories.
   */
  sweep(): void {
    let endpoints: string[];
    try {
      endpoints = readdirSync(this.o.workDir);
    } catch {
      return;
    }
    for (const ep of endpoints) {
      const epDir = join(this.o.workDir, ep);
      let ids: string[] = [];
      try {
        ids = readdirSync(epDir);
      } catch {
        // not a directory
      }
      for (const id of ids) this.remove(join(epDir, id));
      this.remove(epDir);
    }
  }

  /** Never throws: a directory that cannot be removed now is logged, and removed at the next start of its id or of the server. */
  private remove(dir: string): void {
    try {
      removeSandboxed(dir, join(dir, 'opt-ml'));
    } catch (e) {
      this.o.logger.warn({ dir, err: (e as Error).message }, 'an instance directory could not be removed');
    }
  }
}
