import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityService, Logger } from '@loam/core';
import { workspaceScript } from '@loam/runtime/runner/image-command';
import type { EndpointsCapability } from '../endpoints/endpoints.compose.js';
import { endpointView } from './routing-views.js';
import { type CaptureOffer, type EndpointView, type MetricsBatch, type RpcCall, type RpcValue, type WorkerSettings, type WorkerToMain } from './worker-protocol.js';

/** What the pool needs of the main server. */
export interface ServingWorkerDeps {
  readonly count: number;
  /** The app's public server, whose connections the pool dispatches. */
  readonly server: Server;
  /** A twin of the app's server (same handler) for the internal socket. */
  readonly twin: Server;
  readonly endpoints: EndpointsCapability;
  readonly identity: Pick<IdentityService, 'credentialGeneration' | 'authenticateToken' | 'policiesOf' | 'resolveAccessKey' | 'recordAccessKeyUse'>;
  readonly settings: Omit<WorkerSettings, 'index' | 'mainSocket'>;
  readonly logger: Logger;
}

/** What the pool has done, for tests and operators. */
export interface ServingWorkerStats {
  readonly workers: number;
  readonly ready: number;
  /** Connections each process took: [main, worker 1, …]. */
  readonly connections: readonly number[];
  /** Invocations each worker answered itself. */
  readonly served: readonly number[];
  readonly restarts: number;
  /** Process ids of the workers. */
  readonly pids: readonly (number | undefined)[];
}

interface Worker {
  readonly index: number;
  child: ChildProcess;
  ready: boolean;
  connections: number;
  served: number;
  readonly started: number;
  /** The connection being handed over (its handle not acknowledged yet). */
  sending: { readonly socket: Socket; abandon(): void } | undefined;
}

const TICK_MS = 100;

/**
 * The main server's side of serving workers (ADR 0015): starts `count` worker processes, keeps them
 * up to date with the endpoints' routing (every 100 ms when it changed) and the credential
 * generation, answers their credential lookups, merges their metrics and data capture into the
 * endpoint's own, and hands them connections: each new connection goes, in turn, to the main server
 * or a ready worker, unread (workers pass what is not an invocation to the main server). While
 * closing, or with no worker ready, connections stay with the main server.
 */
export class ServingWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly socketPath = join(tmpdir(), `loam-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  private turn = 0;
  private mainConnections = 0;
  private restarts = 0;
  private crashes = 0;
  private closing = false;
  private tick: NodeJS.Timeout | undefined;
  private lastViews: { list: EndpointView[]; text: string } = { list: [], text: '' };
  private lastGeneration = -1;
  private httpListeners: ((socket: Socket) => void)[] = [];

  constructor(private readonly d: ServingWorkerDeps) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.d.twin.once('error', reject);
      this.d.twin.listen(this.socketPath, () => resolve());
    });
    // Only this user's processes: the same authentication applies there, but nobody else needs it.
    chmodSync(this.socketPath, 0o600);
    this.takeConnections();
    for (let i = 1; i <= this.d.count; i++) this.workers.push(this.spawn(i));
    this.tick = setInterval(() => this.broadcast(), TICK_MS);
    this.tick.unref();
  }

  stats(): ServingWorkerStats {
    return {
      workers: this.workers.length,
      ready: this.workers.filter((w) => w.ready).length,
      connections: [this.mainConnections, ...this.workers.map((w) => w.connections)],
      served: this.workers.map((w) => w.served),
      restarts: this.restarts,
      pids: this.workers.map((w) => w.child.pid),
    };
  }

  /** Resolves once every worker is ready (connections go to the main server until then); rejects after `timeoutMs`. */
  async whenReady(timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    while (this.workers.some((w) => !w.ready)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`serving workers not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops handing out connections, lets workers finish what they are answering (up to `graceMs`) and stops them. */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    if (this.tick) clearInterval(this.tick);
    await Promise.all(this.workers.map((w) => this.stopWorker(w, graceMs)));
    await new Promise<void>((resolve) => {
      this.d.twin.close(() => resolve());
      this.d.twin.closeAllConnections();
    });
    rmSync(this.socketPath, { force: true });
  }

  private stopWorker(w: Worker, graceMs: number): Promise<void> {
    const c = w.child;
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => c.kill('SIGKILL'), graceMs + 1000);
      c.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (c.connected) c.send({ t: 'close', graceMs });
      else c.kill('SIGTERM');
    });
  }

  private spawn(index: number): Worker {
    // The built file, or the source under tsx when this runs from sources (tests).
    const { args } = workspaceScript('./serving-worker.main', import.meta.url);
    const settings: WorkerSettings = { ...this.d.settings, index, mainSocket: this.socketPath };
    const child = fork(args.at(-1) as string, [], {
      execArgv: args.slice(0, -1),
      serialization: 'advanced',
      env: { ...process.env, LOAM_SERVING_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w: Worker = { index, child, ready: false, connections: 0, served: 0, started: Date.now(), sending: undefined };
    child.on('message', (m: WorkerToMain) => this.onMessage(w, m));
    child.on('error', (e) => this.d.logger.warn({ servingWorker: index, err: e.message }, 'serving worker error'));
    child.on('exit', (code, signal) => {
      w.ready = false;
      // A connection it had not acknowledged is lost with it: close it here rather than leave it open.
      w.sending?.abandon();
      if (this.closing) return;
      this.restarts++;
      // Back off while workers die young; one that lived a minute starts again at once.
      this.crashes = Date.now() - w.started > 60_000 ? 1 : this.crashes + 1;
      this.d.logger.warn({ servingWorker: index, code, signal }, 'serving worker exited; starting another');
      setTimeout(() => {
        if (!this.closing) {
          const next = this.spawn(index);
          this.workers[this.workers.indexOf(w)] = next;
        }
      }, Math.min(5000, 200 * this.crashes)).unref();
    });
    return w;
  }

  private onMessage(w: Worker, m: WorkerToMain): void {
    switch (m.t) {
      case 'ready':
        // Views first: the IPC channel keeps order, so the worker routes before its first connection.
        this.sendState(w, this.views());
        w.ready = true;
        return;
      case 'rpc':
        void this.answer(m.call).then(
          (value) => w.child.connected && w.child.send({ t: 'rpc-result', id: m.id, ok: true, value }),
          (e: unknown) => w.child.connected && w.child.send({ t: 'rpc-result', id: m.id, ok: false, message: (e as Error).message }),
        );
        return;
      case 'key-used':
        void this.d.identity.recordAccessKeyUse(m.accessKeyId).catch(() => undefined);
        return;
      case 'metrics':
        w.served += this.mergeMetrics(m.batches);
        return;
      case 'capture':
        this.mergeCapture(m.offers, m.dropped);
        return;
    }
  }

  private answer(call: RpcCall): Promise<RpcValue> {
    const id = this.d.identity;
    switch (call.op) {
      case 'token':
        return id.authenticateToken(call.token);
      case 'policies':
        return id.policiesOf(call.userName);
      case 'key':
        return id.resolveAccessKey(call.accessKeyId);
    }
  }

  /** Adds a worker's invocations to the variants' metrics; returns how many there were. */
  private mergeMetrics(batches: readonly MetricsBatch[]): number {
    const live = this.d.endpoints.controller;
    let n = 0;
    for (const b of batches) {
      n += b.rows.length / 4;
      // A batch that arrives after its endpoint was deleted must not bring its metrics back.
      if (!live.get(b.endpoint)) continue;
      const v = this.d.endpoints.metrics.variant(b.endpoint, b.variant);
      const r = b.rows;
      for (let k = 0; k + 3 < r.length; k += 4) {
        const model = r[k + 1] as number;
        v.record(r[k] as number, Number.isNaN(model) ? undefined : model, r[k + 2] as number, r[k + 3] as number);
      }
    }
    return n;
  }

  private mergeCapture(offers: readonly CaptureOffer[], dropped: Readonly<Record<string, number>>): void {
    const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    for (const o of offers) {
      const writer = this.d.endpoints.controller.get(o.endpoint)?.capture;
      writer?.enqueue({ variant: o.variant, inputContentType: o.inputContentType, input: buf(o.input), outputContentType: o.outputContentType, output: buf(o.output), inferenceId: o.inferenceId, time: o.time });
    }
    for (const [endpoint, n] of Object.entries(dropped)) {
      const writer = this.d.endpoints.controller.get(endpoint)?.capture;
      if (writer) writer.stats.dropped += n;
    }
  }

  /** Sends routing views and the credential generation to every ready worker when they changed. */
  private broadcast(): void {
    const views = this.views();
    const generation = this.d.identity.credentialGeneration;
    if (views.text === this.lastViews.text && generation === this.lastGeneration) return;
    this.lastViews = views;
    this.lastGeneration = generation;
    for (const w of this.workers) if (w.ready) this.sendState(w, views);
  }

  /** Every endpoint's view, and its JSON to tell a change. */
  private views(): { list: EndpointView[]; text: string } {
    const list = [...this.d.endpoints.controller.live.values()].map(endpointView);
    return { list, text: JSON.stringify(list) };
  }

  private sendState(w: Worker, views: { list: EndpointView[] }): void {
    if (!w.child.connected) return;
    w.child.send({ t: 'identity', generation: this.d.identity.credentialGeneration });
    w.child.send({ t: 'endpoints', views: views.list });
  }

  /**
   * Puts the pool in front of the server's own connection handling. New sockets are created paused
   * (`pauseOnConnect`): not a byte is read before the socket goes where it is going, so nothing can be
   * read by one process and lost on the way to another.
   */
  private takeConnections(): void {
    const server = this.d.server as Server & { pauseOnConnect: boolean };
    this.httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.pauseOnConnect = true;
    server.on('connection', (socket: Socket) => this.dispatch(socket));
  }

  private keep(socket: Socket): void {
    this.mainConnections++;
    for (const l of this.httpListeners) l.call(this.d.server, socket);
    socket.resume();
  }

  /**
   * The next in turn of the main process and the ready workers. A worker still taking a connection
   * (its handle not acknowledged yet) is passed over: at most one connection waits on each worker.
   */
  private nextWorker(): Worker | undefined {
    const ready = this.workers.filter((w) => w.ready && w.child.connected);
    if (ready.length === 0) return undefined;
    const slot = this.turn++ % (ready.length + 1);
    const w = slot === 0 ? undefined : ready[slot - 1];
    return w && w.sending === undefined ? w : undefined;
  }

  private dispatch(socket: Socket): void {
    const w = this.closing ? undefined : this.nextWorker();
    if (!w) {
      this.keep(socket);
      return;
    }
    w.connections++;
    // Until the worker has it, an error (a reset) only ends the connection.
    socket.on('error', () => socket.destroy());
    // Node 20 tracks a socket sent to a child through `socket.server`, and once every such child has
    // exited, `server.close()` waits forever. Sent untracked, the socket object here is then let go
    // when the send is done: its handle is the worker's, and destroying the emptied object counts the
    // connection closed here. Should the worker die first, Node calls nothing back: `exit` does it.
    (socket as unknown as { server: unknown }).server = null;
    const handle = (socket as unknown as { _handle?: { close?(): void } })._handle;
    const done = () => {
      if (w.sending?.socket !== socket) return;
      w.sending = undefined;
      socket.destroy();
    };
    w.sending = {
      socket,
      abandon: () => {
        done();
        try {
          handle?.close?.();
        } catch {
          // already closed
        }
      },
    };
    w.child.send({ t: 'connection' }, socket, { keepOpen: false }, done);
  }
}
