import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loopbackPortHeldBy } from '@loam/adapters/executors/local/listeners';
import type { TransformContainer } from '@loam/contracts';
import { builtinServerCommand, pythonServerScript } from '../model-server/command.js';
import { INSTANCE_SECRET_ENV, newInstanceSecret } from '../model-server/instance-secret.js';
import { ModelClient } from './model-client.js';

/** A free TCP port on 127.0.0.1 for the model server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class ModelStartError extends Error {
  override readonly name = 'ModelStartError';
}

/** The model server of a transform job: the same process an endpoint instance runs, on a private port. */
export class ModelProcess {
  private exited = false;
  private readonly tail: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    /** What every request to it carries (Loam's own servers answer nothing else; instance-secret.ts). */
    readonly secret: string,
  ) {
    child.once('exit', () => (this.exited = true));
    const keep = (line: string) => {
      this.tail.push(line);
      if (this.tail.length > 20) this.tail.shift();
    };
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
      stream?.setEncoding('utf8');
      stream?.on('data', (d: string) => {
        out.write(d);
        for (const l of d.split('\n')) if (l.trim()) keep(l);
      });
    }
  }

  /**
   * Starts the container's server (built-in model server, the Python adapter for script mode, or a
   * process image with `serve`) and waits for `/ping`. @throws ModelStartError with the server's last lines.
   */
  static async start(c: TransformContainer, modelDir: string, env: Record<string, string>, python: string, startupTimeoutMs = 240_000): Promise<ModelProcess> {
    const port = await freePort();
    const secret = newInstanceSecret();
    const base: Record<string, string> = { ...env, SAGEMAKER_BIND_TO_PORT: String(port), SM_MODEL_DIR: modelDir, SAGEMAKER_MODEL_DIR: modelDir };
    let command: string;
    let args: string[];
    if (c.image.type === 'builtin') {
      ({ command, args } = builtinServerCommand());
      args = [...args, modelDir];
    } else if (c.image.type === 'script') {
      command = python;
      args = [pythonServerScript()];
      Object.assign(base, { SAGEMAKER_PROGRAM: c.image.program, LOAM_CODE_DIR: join(modelDir, 'code'), PYTHONUNBUFFERED: '1' });
    } else {
      command = c.image.command;
      args = [...(c.image.args ?? []), 'serve'];
      Object.assign(base, c.image.env ?? {});
    }
    base[INSTANCE_SECRET_ENV] = secret;
    const child = spawn(command, args, { env: base, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ModelProcess(child, port, secret);
    const spawnError = new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
    const client = new ModelClient(port, 1);
    const deadline = Date.now() + startupTimeoutMs;
    try {
      for (;;) {
        const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
        if (failed) throw new ModelStartError(`The model server could not be started: ${failed}`);
        if (p.exited) throw new ModelStartError(`The model server exited before answering /ping${p.tail.length ? `: ${p.tail.slice(-5).join(' | ')}` : '.'}`);
        if (await client.ping()) {
          // The job's records must not go to a process of another user that took the port first.
          if (loopbackPortHeldBy(port, process.getuid?.() ?? 0)) return p;
          p.stop();
          throw new ModelStartError(`The model server's port ${port} is held by a process of another user, which would receive the job's records.`);
        }
        if (Date.now() > deadline) {
          p.stop();
          throw new ModelStartError(`The model server did not answer /ping within ${Math.round(startupTimeoutMs / 1000)} s.`);
        }
      }
    } finally {
      client.close();
    }
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGTERM');
  }
}
