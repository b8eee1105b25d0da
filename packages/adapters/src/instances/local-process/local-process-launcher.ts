import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError, type InstanceHandle, type InstanceLauncher, type InstanceLaunchSpec, type Logger } from '@loam/core';
import { loopbackPortHeldBy } from '../../executors/local/listeners.js';
import { detectSandbox, enterSandbox, killUid, loamPaths, type LoopbackBridge, type SandboxSupport } from '../../executors/local/sandbox.js';

/** Shipped as plain JavaScript next to this file's sources; the same path from `src/` and `dist/`. */
const bridgeScript = fileURLToPath(new URL('../../../src/instances/local-process/loopback-bridge.mjs', import.meta.url));

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
  /**
   * Where isolated instances' bridge sockets live (a directory each, root-only), emptied when the
   * launcher is made: a new server has no instance yet, so anything there is a crashed one's. Default
   * `$TMPDIR` (not swept). A path too long for a Unix socket falls back to `$TMPDIR`.
   */
  readonly bridgeRoot?: string;
}

/**
 * Runs each model-server instance as a child process (`shell: false`, its own process group) on a
 * free 127.0.0.1 port. Output is kept as a short tail for failure reasons, and each line goes to the spec's
 * `onOutput` (the endpoint's log stream). An instance with a `root`
 * runs in the sandbox jobs run in (see executors/local/sandbox): its directory at `/opt/ml`, its own
 * `/tmp`, and a uid of its own when Loam is root. A network-isolated one also gets a network of its own
 * with only its loopback; Loam reaches its server through a bridge (`loopback-bridge.mjs`, started as
 * root inside that network before the uid drop) from a Unix socket in a directory only root can enter.
 */
export class LocalProcessLauncher implements InstanceLauncher {
  private readonly live = new Set<InstanceHandle>();
  // The probe spawns processes: once, unless it refused (probed again at the next launch).
  private support: Exclude<SandboxSupport, { kind: 'refused' }> | undefined;

  constructor(private readonly o: LocalProcessLauncherOptions = {}) {
    if (o.bridgeRoot) rmSync(o.bridgeRoot, { recursive: true, force: true });
  }

  /** A fresh root-only directory for one bridge socket (Unix socket paths are limited to 108 bytes). */
  private bridgeDir(): string {
    const root = this.o.bridgeRoot;
    if (root && root.length < 80) {
      mkdirSync(root, { recursive: true, mode: 0o700 });
      return mkdtempSync(join(root, 'b-'));
    }
    return mkdtempSync(join(tmpdir(), 'loam-bridge-'));
  }

  /** Network isolation needs the sandbox (Loam as root) and iproute2's `ip` for the loopback. */
  networkIsolation(): { supported: boolean; reason?: string } {
    const s = this.probe();
    if (s.kind !== 'sandbox') return { supported: false, reason: s.reason };
    return s.ip ? { supported: true } : { supported: false, reason: "iproute2's 'ip' is not installed" };
  }

  async launch(spec: InstanceLaunchSpec): Promise<InstanceHandle> {
    mkdirSync(spec.cwd, { recursive: true, mode: 0o700 });
    // Inside its own network the server may take any port; outside, a free one avoids clashes.
    const port = spec.networkIsolation ? 8080 : await freePort();
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...spec.env, SAGEMAKER_BIND_TO_PORT: String(port) };
    let run: { command: string; args: string[]; env: Record<string, string>; uid?: number } = { command: spec.command, args: [...spec.args], env };
    let bridgeDir: string | undefined;
    let socketPath: string | undefined;
    if (spec.networkIsolation) {
      const iso = this.networkIsolation();
      if (!iso.supported || !spec.root) throw new InternalError(`Instance ${spec.instanceId} was not started: it asks for network isolation, which this server cannot enforce (${iso.reason ?? 'no instance directory'}).`);
      bridgeDir = this.bridgeDir();
      socketPath = join(bridgeDir, 's');
      try {
        run = await this.sandbox(spec, spec.root, env, { node: process.execPath, script: bridgeScript, socket: socketPath, port });
      } catch (e) {
        rmSync(bridgeDir, { recursive: true, force: true });
        throw e;
      }
    } else if (spec.root) run = await this.sandbox(spec, spec.root, env);
    let child;
    try {
      child = spawn(run.command, run.args, { cwd: spec.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true });
    } catch (e) {
      if (bridgeDir) rmSync(bridgeDir, { recursive: true, force: true });
      throw new InternalError(`Instance ${spec.instanceId} could not start '${spec.command}': ${(e as Error).message}`);
    }
    const lines: string[] = [];
    const max = this.o.tailLines ?? 40;
    const keep = (stream: 'stdout' | 'stderr', l: string) => {
      if (!l.trim()) return;
      lines.push(l);
      if (lines.length > max) lines.splice(0, lines.length - max);
      spec.onOutput?.(stream, l);
    };
    // Whole lines: a chunk may end inside one (the rest comes with the next chunk, or at the end); a line without
    // an end (progress bars redrawn with \r) is passed on at 64 KiB rather than held whole.
    for (const stream of ['stdout', 'stderr'] as const) {
      const out = child[stream];
      let partial = '';
      out?.setEncoding('utf8');
      out?.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() as string;
        for (const l of parts) keep(stream, l.endsWith('\r') ? l.slice(0, -1) : l);
        if (partial.length > 65_536) {
          keep(stream, partial);
          partial = '';
        }
      });
      out?.on('end', () => {
        if (partial) keep(stream, partial);
        partial = '';
      });
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (e) => {
        lines.push(`spawn failed: ${e.message}`);
        resolve({ code: -1, signal: null });
      });
    });
    let done = false;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    void exited.then(() => {
      done = true;
      this.live.delete(handle);
      // Whatever the server started lives on after it only as its uid: that goes too.
      if (run.uid !== undefined) killUid(run.uid);
      // The bridge (root, in the instance's process group) ends with it.
      if (bridgeDir) {
        signalGroup('SIGKILL');
        rmSync(bridgeDir, { recursive: true, force: true });
      }
    });
    const handle: InstanceHandle = {
      instanceId: spec.instanceId,
      url: `http://127.0.0.1:${port}`,
      ...(socketPath ? { socketPath } : {}),
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
      // Reached through the bridge's root-only socket, an isolated instance's port is its own network's.
      portHeldByInstance: () => socketPath !== undefined || loopbackPortHeldBy(port, run.uid ?? process.getuid?.() ?? 0),
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
  private async sandbox(spec: InstanceLaunchSpec, root: string, env: Record<string, string>, bridge?: LoopbackBridge): Promise<{ command: string; args: string[]; env: Record<string, string>; uid?: number }> {
    const s = this.probe(root);
    if (s.kind === 'refused') throw new InternalError(`Instance ${spec.instanceId} was not started: Loam runs as root and cannot sandbox it (${s.reason}), and user code never runs as root.`);
    if (s.kind !== 'sandbox') return { command: spec.command, args: [...spec.args], env };
    const tmp = join(root, 'tmp');
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return enterSandbox(s, { root, tmp, home: root, net: bridge !== undefined, ...(bridge ? { bridge } : {}), cwd: spec.cwd, env }, spec.command, spec.args);
  }

  /** The sandbox this machine can build (probed in `root`, or a scratch directory), kept unless it refused. */
  private probe(root?: string): SandboxSupport {
    if (this.support) return this.support;
    let found: SandboxSupport;
    if (this.o.sandbox === 'off') found = { kind: 'unsandboxed', reason: 'executor.sandbox is off' };
    else {
      const dir = root ?? mkdtempSync(join(tmpdir(), 'loam-instance-probe-'));
      try {
        found = detectSandbox(dir, loamPaths(this.o.python), this.o.python);
      } finally {
        if (!root) rmSync(dir, { recursive: true, force: true });
      }
    }
    if (found.kind === 'refused') return found;
    if (found.kind === 'unsandboxed') this.o.logger?.warn({ reason: found.reason }, "model servers run without a sandbox, as Loam's own user");
    this.support = found;
    return found;
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((h) => h.stop(5_000)));
  }
}
