import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { InternalError, type InstanceHandle, type InstanceLauncher, type InstanceLaunchSpec, type Logger } from '@loam/core';
import { detectSandbox, enterSandbox, killUid, loamPaths, type SandboxSupport } from '../../executors/local/sandbox.js';

/** A free loopback port: bind to 0, read it, close. The instance binds it right after (small race, retried by the controller). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LocalProcessLauncherOptions {
  readonly logger?: Logger;
  /** The Python that script-mode model servers run on (`images.python`): kept visible in the sandbox. */
  readonly python?: string;
  /** `off`: instances run without the sandbox, as Loam's own user (`executor.sandbox`). Default `required`. */
  readonly sandbox?: 'required' | 'off';
  /** Lines of output kept per instance for failure reasons. */
  readonly tailLines?: number;
}

/**
 * Runs each model-server instance as a child process (`shell: false`, its own process group) on a
 * free 127.0.0.1 port. Output is kept as a short tail for failure reasons. An instance with a `root`
 * runs in the sandbox jobs run in (see executors/local/sandbox): its directory at `/opt/ml`, its own
 * `/tmp`, and a uid of its own when Loam is root.
 */
export class LocalProcessLauncher implements InstanceLauncher {
  private readonly live = new Set<InstanceHandle>();
  // The probe spawns processes: once, unless it refused (probed again at the next launch).
  private support: Exclude<SandboxSupport, { kind: 'refused' }> | undefined;

  constructor(private readonly o: LocalProcessLauncherOptions = {}) {}

  async launch(spec: InstanceLaunchSpec): Promise<InstanceHandle> {
    mkdirSync(spec.cwd, { recursive: true, mode: 0o700 });
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...spec.env, SAGEMAKER_BIND_TO_PORT: String(port) };
    let run: { command: string; args: string[]; env: Record<string, string>; uid?: number } = { command: spec.command, args: [...spec.args], env };
    if (spec.root) run = await this.sandbox(spec, spec.root, env);
    let child;
    try {
      child = spawn(run.command, run.args, { cwd: spec.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true });
    } catch (e) {
      throw new InternalError(`Instance ${spec.instanceId} could not start '${spec.command}': ${(e as Error).message}`);
    }
    const lines: string[] = [];
    const max = this.o.tailLines ?? 40;
    const keep = (b: Buffer) => {
      for (const l of b.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
      if (lines.length > max) lines.splice(0, lines.length - max);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (e) => {
        lines.push(`spawn failed: ${e.message}`);
        resolve({ code: -1, signal: null });
      });
    });
    let done = false;
    void exited.then(() => {
      done = true;
      this.live.delete(handle);
      // Whatever the server started lives on after it only as its uid: that goes too.
      if (run.uid !== undefined) killUid(run.uid);
    });
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const handle: InstanceHandle = {
      instanceId: spec.instanceId,
      url: `http://127.0.0.1:${port}`,
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
      exited,
      tail: () => lines.join('\n'),
      stop: async (graceMs = 30_000) => {
        if (done) return;
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    this.live.add(handle);
    this.o.logger?.debug({ instanceId: spec.instanceId, port, pid: child.pid }, 'model server instance started');
    return handle;
  }

  /**
   * The instance's command in its sandbox, or as given when Loam is not root (and cannot build one).
   * @throws InternalError when Loam is root and cannot sandbox it: user code never runs as root.
   */
  private async sandbox(spec: InstanceLaunchSpec, root: string, env: Record<string, string>): Promise<{ command: string; args: string[]; env: Record<string, string>; uid?: number }> {
    if (!this.support) {
      const found: SandboxSupport = this.o.sandbox === 'off' ? { kind: 'unsandboxed', reason: 'executor.sandbox is off' } : detectSandbox(root, loamPaths(this.o.python), this.o.python);
      if (found.kind === 'refused') throw new InternalError(`Instance ${spec.instanceId} was not started: Loam runs as root and cannot sandbox it (${found.reason}), and user code never runs as root.`);
      if (found.kind === 'unsandboxed') this.o.logger?.warn({ reason: found.reason }, "model servers run without a sandbox, as Loam's own user");
      this.support = found;
    }
    const s = this.support;
    if (s.kind !== 'sandbox') return { command: spec.command, args: [...spec.args], env };
    const tmp = join(root, 'tmp');
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return enterSandbox(s, { root, tmp, home: root, net: false, cwd: spec.cwd, env }, spec.command, spec.args);
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((h) => h.stop(5_000)));
  }
}
