import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  kernelBin, kernelBuild, kernelGain, kernelGradients, kernelLeaves, kernelPartition, kernelRun, kernelSketch, kernelSplit,
  kernelCombine, kernelViews, kernelWeight, type KernelCtx,
} from './kernel.js';
import { WasmArena, type ArenaRegion, type WasmMemory } from './wasm-arena.js';

/** What {@link KernelRunner.alloc} and {@link KernelRunner.allocHot} hand out. */
export type KernelBuffer = ArrayBuffer | SharedArrayBuffer | ArenaRegion;

function isRegion(b: unknown): b is ArenaRegion {
  return typeof b === 'object' && b !== null && !(b instanceof ArrayBuffer) && !(b instanceof SharedArrayBuffer) && typeof (b as ArenaRegion).offset === 'number';
}

/** `ctl` slots: job sequence number (main → worker), done sequence (worker → main), error flag. */
const SEQ = 0;
const DONE = 1;
const ERR = 2;

/**
 * The worker's source: the kernel functions' own text plus a loop that sleeps on `Atomics.wait`
 * until the main thread posts a job. Built from `Function.prototype.toString`, so it is the code
 * the main thread runs whether this module was loaded from TypeScript (Vitest) or compiled JS.
 * `__name` is defined because some transpilers (esbuild's keepNames) insert calls to it.
 */
function workerSource(): string {
  const fns = [kernelViews, kernelRun, kernelBuild, kernelCombine, kernelWeight, kernelGain, kernelSplit, kernelPartition, kernelSketch, kernelBin, kernelGradients, kernelLeaves];
  return `'use strict';
var __name = (f) => f;
${fns.map((f) => f.toString()).join('\n')}
const { workerData, receiveMessageOnPort, parentPort } = require('node:worker_threads');
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
let ctx = {};
let seen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  let m;
  try {
    while ((m = receiveMessageOnPort(port)) !== undefined) ctx = kernelViews(ctx, m.message);
    kernelRun(ctx, 1, 2);
  } catch (e) {
    Atomics.store(ctl, ${ERR}, 1);
    parentPort.postMessage(String(e && e.stack || e));
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;
}

/**
 * Runs kernel jobs on the main thread alone or on the main thread plus one worker thread (the
 * platform's 2-thread budget). Jobs are synchronous: the main thread does its half, then waits on
 * the worker's done flag, so training needs no promise per tree level.
 */
export class KernelRunner {
  readonly ctx: KernelCtx;
  private readonly ctl: Int32Array;
  private seq = 0;
  private arena: WasmArena | undefined;

  private constructor(
    readonly threads: number,
    private readonly worker: Worker | undefined,
    private readonly port: MessagePort | undefined,
    ctl: SharedArrayBuffer | undefined,
  ) {
    this.ctx = {} as KernelCtx;
    this.ctl = ctl ? new Int32Array(ctl) : new Int32Array(4);
  }

  /**
   * Starts the worker (when `threads` is 2) and waits until it is ready. With `wasm` (the default)
   * the hot arrays live in a WebAssembly arena and histograms are built by histogram.wat, where this
   * runtime has WebAssembly with shared memory; otherwise by the JavaScript kernel (same results).
   */
  static async create(threads: number, { wasm = true }: { wasm?: boolean } = {}): Promise<KernelRunner> {
    const runner = await KernelRunner.start(threads);
    const arena = wasm ? WasmArena.create() : undefined;
    if (arena) {
      try {
        runner.set({ wasm: { module: arena.module, memory: arena.memory } });
        runner.arena = arena;
      } catch {
        // This thread could not instantiate the module (nothing was sent to the worker): the JavaScript kernel runs.
      }
    }
    return runner;
  }

  private static async start(threads: number): Promise<KernelRunner> {
    if (threads < 2) return new KernelRunner(1, undefined, undefined, undefined);
    const ctl = new SharedArrayBuffer(16);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerSource(), { eval: true, workerData: { ctl, port: port2 }, transferList: [port2] });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('message', (m: unknown) => {
      if (typeof m === 'string') process.emitWarning(`gbdt worker error: ${m}`);
    });
    return new KernelRunner(2, worker, port1, ctl);
  }

  /** A buffer both threads can see (shared only when a worker exists). */
  alloc(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.worker ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /**
   * Room for an array the histogram kernel reads or writes (`bins`, `rows`, `gh`, `hist`): a region
   * of the WebAssembly arena (`replacing` grows in place when it is the arena's last region), or an
   * {@link alloc} buffer when there is no arena or it cannot grow that far.
   */
  allocHot(bytes: number, replacing?: KernelBuffer): KernelBuffer {
    const region = this.arena?.alloc(bytes, isRegion(replacing) ? replacing : undefined);
    return region ?? this.alloc(bytes);
  }

  /** Installs buffers and scalar settings on both threads (buffers must come from {@link alloc} or {@link allocHot}). */
  set(msg: Record<string, KernelBuffer | number | { module: object; memory: WasmMemory }>): void {
    const out = this.arena && Object.values(msg).some(isRegion) ? { ...msg, arena: this.arena.memory.buffer } : msg;
    kernelViews(this.ctx as unknown as Record<string, unknown>, out);
    this.port?.postMessage(out);
  }

  /** Runs the job described in `ctx.job` on every thread and returns when all are done. */
  run(): void {
    if (!this.worker) {
      kernelRun(this.ctx, 0, 1);
      return;
    }
    const seq = ++this.seq;
    Atomics.store(this.ctl, SEQ, seq);
    Atomics.notify(this.ctl, SEQ);
    kernelRun(this.ctx, 0, 2);
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done === seq) break;
      Atomics.wait(this.ctl, DONE, done, 60_000);
    }
    if (Atomics.load(this.ctl, ERR) !== 0) throw new Error('GBDT worker thread failed (see the process warning for its stack).');
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    if (!this.worker) return;
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    this.port?.close();
    await this.worker.terminate();
  }
}
