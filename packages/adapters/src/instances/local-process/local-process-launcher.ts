import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { InternalError, type InstanceHandle, type InstanceLauncher, type InstanceLaunchSpec, type Logger } from '@loam/core';

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
  /** Lines of output kept per instance for failure reasons. */
  readonly tailLines?: number;
}

/**
 * Runs each model-server instance as a child process (`shell: false`, its own process group) on a
 * free 127.0.0.1 port. Output is kept as a short tail for failure reasons.
 */
export class LocalProcessLauncher implements InstanceLauncher {
  private readonly live = new Set<InstanceHandle>();

  constructor(private readonly o: LocalProcessLauncherOptions = {}) {}

  async launch(spec: InstanceLaunchSpec): Promise<InstanceHandle> {
    mkdirSync(spec.cwd, { recursive: true, mode: 0o700 });
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...spec.env, SAGEMAKER_BIND_TO_PORT: String(port) };
    let child;
    try {
      child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true });
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

  async close(): Promise<void> {
    await Promise.all([...this.live].map((h) => h.stop(5_000)));
  }
}
