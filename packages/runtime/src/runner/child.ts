import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ImageCommand } from './image-command.js';
import { killGroup, killJobTree } from '@loam/adapters/executors/local/proc';

export interface ChildOptions {
  /** What to start, already wrapped in its sandbox when it has one (see run-job). */
  readonly cmd: ImageCommand;
  /** The whole environment of the child (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Marks every process of the job, so stragglers that left the group can be found. */
  readonly marker: string;
  /** The sandbox uid the image runs as, if any: every process of it belongs to the job. */
  readonly uid?: number;
  readonly onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  readonly onMetric?: (name: string, value: number) => void;
  readonly onStart?: (pid: number) => void;
}

/** How the child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last stderr lines, for a FailureReason when the image wrote no `output/failure`. */
  readonly stderrTail: string[];
  /** Set when the child could not be started at all. */
  readonly spawnError?: string;
}

/**
 * Runs the image's process: `shell: false`, its own process group (so a stop reaches the whole tree),
 * a fresh environment, stdout/stderr split into lines, and for built-in images a metrics pipe on fd 3.
 */
export class JobChild {
  private child: ChildProcess | undefined;
  private pgid: number | undefined;
  private readonly tail: string[] = [];
  readonly done: Promise<ChildExit>;

  constructor(private readonly o: ChildOptions) {
    this.done = new Promise((resolve) => this.start(resolve));
  }

  get processGroup(): number | undefined {
    return this.pgid;
  }

  private start(resolve: (e: ChildExit) => void): void {
    const { cmd } = this.o;
    let child: ChildProcess;
    try {
      child = spawn(cmd.command, [...cmd.args], {
        cwd: cmd.cwd, env: { ...this.o.env }, shell: false, detached: true,
        stdio: ['ignore', 'pipe', 'pipe', ...(cmd.metricsFd ? (['pipe'] as const) : [])],
      });
    } catch (e) {
      resolve({ code: null, signal: null, stderrTail: [], spawnError: (e as Error).message });
      return;
    }
    this.child = child;
    let spawnError: string | undefined;
    child.once('error', (e) => (spawnError = e.message));
    if (child.pid !== undefined) {
      this.pgid = child.pid;
      this.o.onStart?.(child.pid);
    }
    const streams: Promise<void>[] = [this.lines(child.stdout as Readable, 'stdout'), this.lines(child.stderr as Readable, 'stderr')];
    const fd3 = (child.stdio as unknown[])[3] as Readable | undefined;
    if (fd3) streams.push(this.metrics(fd3));
    // A container ends when its main process does: leftovers in the group (or marked) are killed, which
    // also closes the pipes they inherited so 'close' can fire.
    child.once('exit', () => killJobTree(this.pgid, this.o.marker, this.o.uid));
    child.once('close', (code, signal) => {
      void Promise.all(streams).then(() => resolve({ code, signal, stderrTail: [...this.tail], ...(spawnError ? { spawnError } : {}) }));
    });
  }

  private lines(stream: Readable, name: 'stdout' | 'stderr'): Promise<void> {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (name === 'stderr') {
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
      }
      this.o.onLine(name, line);
    });
    return new Promise((r) => rl.once('close', () => r()));
  }

  private metrics(stream: Readable): Promise<void> {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { name?: unknown; value?: unknown };
        if (typeof m.name === 'string' && typeof m.value === 'number') this.o.onMetric?.(m.name, m.value);
      } catch {
        // not a metric record
      }
    });
    return new Promise((r) => rl.once('close', () => r()));
  }

  /** SIGTERM to the group now, SIGKILL to the group and every marked straggler after `graceMs`. */
  async terminate(graceMs: number): Promise<void> {
    if (this.pgid === undefined) return;
    killGroup(this.pgid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.done.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    if (timer) clearTimeout(timer);
    // Even when the leader exited, children that ignored SIGTERM may live on in the group.
    killJobTree(this.pgid, this.o.marker, this.o.uid);
    if (!exited) await this.done;
  }

  /** After a normal exit: whatever the image left running in its group is killed too. */
  reap(): void {
    killJobTree(this.pgid, this.o.marker, this.o.uid);
  }
}
