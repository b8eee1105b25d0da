import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { JobSpec, RunnerInput } from '@loam/contracts';
import { InternalError, JobStartRefusedError, LimitExceededError, silentLogger } from '@loam/core';
import type { ExecutorCapacity, ExecutorEvent, ExecutorListener, JobExecutor, JobHandle, Logger, LogPage, LogTailPage } from '@loam/core';
import { addToCgroup, createHostCgroup, detectCgroups, oomKills, removeEmptyParents, removeHostCgroup, sweepEmptyCgroups, type CgroupSupport, type HostCgroup } from './cgroups.js';
import { EventTail } from './event-tail.js';
import { readLogPageAsync, readLogTailAsync } from './log-reader.js';
import { endHostProcesses, hostMarker, readPidFile } from './end-job.js';
import { recordToAppend } from './log-append.js';
import { readLastTimes, recordLastTime } from './log-last-times.js';
import { isAlive, killJobTree, processStartTime, signal } from './proc.js';
import { limitOfExit, readRunnerExit, reserveRunnerExit, RUNNER_EXIT_DISK_FULL, RUNNER_EXIT_FILE, type StoppingLimit } from './runner-exit.js';
import { removeRunnerScratch } from './runner-scratch.js';
import { findUnshare } from './sandbox.js';
import { TornLineWarnings } from './torn-lines.js';

export interface LocalProcessExecutorOptions {
  /** Where job directories live (`<workDir>/<kind>/<name>/algo-N`). */
  readonly workDir: string;
  /** Starts the runner: `command args… <job.json>` (from `@loam/runtime`'s `runnerCommand()`). */
  readonly runner: { readonly command: string; readonly args: readonly string[] };
  /** `config.artifacts`, handed to the runner so it stages data itself. */
  readonly artifacts: Readonly<Record<string, unknown>>;
  /** `images.python`. */
  readonly python: string;
  /** Hosts that may run at once (default: the machine's cores). */
  readonly maxConcurrentJobs?: number;
  /** SIGTERM → SIGKILL grace (SageMaker: 120 s). */
  readonly stopGraceSeconds?: number;
  /** How often the runners' event files are read (default 200 ms). */
  readonly pollIntervalMs?: number;
  /**
   * Memory and CPU limits per host through cgroups (default true: used where the machine allows,
   * otherwise jobs run unlimited and their platform log says why). `false` turns them off.
   */
  readonly cgroups?: boolean;
  /** `off`: user code runs without the sandbox of ADR 0018 (`executor.sandbox`). Default `required`. */
  readonly sandbox?: 'required' | 'off';
  /** Overrides the instance type's memory (MiB) and vCPUs for every host: tests use tiny limits. */
  readonly limitsOverride?: { readonly memoryMiB?: number; readonly cpus?: number };
  readonly logger?: Logger;
}

interface HostState {
  readonly host: string;
  readonly dir: string;
  readonly tail: EventTail;
  pid: number;
  startTime: string | undefined;
  lastSeq: number;
  exited: boolean;
  /** The last SecondaryStatus the runner reported (Training, Uploading …): where it was when it ended. */
  lastStatus?: string;
  /** Set by the 'exit' of a runner this process spawned. */
  processGone: boolean;
  exitInfo?: string;
  /** How the runner ended is known: the 'exit' of one this process spawned, or the code it recorded (RUNNER_EXIT_FILE). */
  exitKnown?: boolean;
  /** The runner ended with {@link RUNNER_EXIT_DISK_FULL}: its disk stayed full past its wait for space. */
  diskFullExit?: boolean;
  /** The runner's exit code says this limit had stopped the job before its disk stayed full (see RUNNER_EXIT_LIMIT_DISK_FULL). */
  stoppedBy?: StoppingLimit;
  /** Polls that found a runner this process spawned gone before its 'exit' (which says how it ended) came. */
  exitAwaited?: number;
  cgroup?: HostCgroup;
}

interface JobState {
  readonly id: string;
  readonly dir: string;
  readonly hosts: HostState[];
  stopping: boolean;
  killTimer?: NodeJS.Timeout;
}

function detectIsolation(): ExecutorCapacity['networkIsolation'] & { unshare?: string } {
  if (process.platform !== 'linux') return { supported: false, reason: 'network namespaces need Linux' };
  const unshare = findUnshare();
  if (!unshare) return { supported: false, reason: "the 'unshare' command (util-linux) is not installed" };
  const r = spawnSync(unshare, ['--net', 'true'], { stdio: 'ignore', timeout: 5000 });
  if (r.status !== 0) return { supported: false, reason: `'unshare --net' is not permitted here (run Loam as root or allow unprivileged user namespaces)` };
  return { supported: true, unshare };
}

/**
 * Runs jobs as local processes: one runner per host (`algo-1..N`), each in its own process group and
 * session (`detached`), its output in files, so it outlives a server crash and is re-adopted by the
 * next server. The executor reads each runner's `events.jsonl` and relays the events; when a runner
 * vanishes without reporting an outcome, it synthesizes a failed exit marked as a platform fault (retried
 * under RetryStrategy), unless the runner's exit code says its disk stayed full: a ClientError, not retried. The
 * runner records that code in its host directory too, for a server that adopted it after a restart.
 */
export class LocalProcessExecutor implements JobExecutor {
  readonly capacity: ExecutorCapacity;
  private readonly jobs = new Map<string, JobState>();
  private readonly listeners: ExecutorListener[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly unshare: string | undefined;
  /** SIGTERM → SIGKILL grace of a stop (`executor.stopGraceSeconds`). */
  readonly graceSeconds: number;
  private readonly log: Logger;
  /** Torn lines met in jobs' logs and events: said once per file. */
  private readonly torn: TornLineWarnings;
  /** Where per-host cgroups go, or why there are none. */
  readonly cgroupSupport: CgroupSupport;
  /** Groups of forgotten hosts whose last processes were still exiting: removed by the next polls. */
  private readonly pendingCgroups = new Set<HostCgroup>();

  constructor(private readonly o: LocalProcessExecutorOptions) {
    const iso = detectIsolation();
    this.unshare = iso.unshare;
    const cores = availableParallelism();
    this.capacity = {
      slots: o.maxConcurrentJobs ?? cores,
      cores,
      memoryMiB: Math.floor(totalmem() / (1 << 20)),
      networkIsolation: iso.supported ? { supported: true } : { supported: false, reason: iso.reason ?? 'unknown' },
    };
    this.graceSeconds = o.stopGraceSeconds ?? 120;
    this.log = o.logger ?? silentLogger;
    this.torn = new TornLineWarnings(this.log);
    this.cgroupSupport = o.cgroups === false ? { supported: false, reason: 'executor.cgroups is off' } : detectCgroups();
    if (this.cgroupSupport.supported) sweepEmptyCgroups(this.cgroupSupport.parents);
    mkdirSync(o.workDir, { recursive: true, mode: 0o700 });
    this.timer = setInterval(() => this.poll(), o.pollIntervalMs ?? 200);
    this.timer.unref();
  }

  used(): number {
    let n = 0;
    for (const j of this.jobs.values()) n += j.hosts.filter((h) => !h.exited).length;
    return n;
  }

  private jobDir(jobId: string): string {
    const [kind, name] = jobId.split('/');
    if (!kind || !name || !/^[a-z-]+$/.test(kind) || !/^[A-Za-z0-9-]+$/.test(name)) throw new InternalError(`Job id '${jobId}' cannot name a directory.`);
    return join(resolve(this.o.workDir), kind, name);
  }

  async start(jobId: string, spec: JobSpec): Promise<JobHandle> {
    const previous = this.jobs.get(jobId);
    if (previous?.hosts.some((h) => !h.exited)) throw new InternalError(`Job '${jobId}' is already running here.`);
    // A RetryStrategy attempt after a platform fault: the ended attempt is forgotten (its logs stay).
    if (previous) {
      for (const h of previous.hosts) if (h.cgroup) this.dropCgroup(h.cgroup);
      this.jobs.delete(jobId);
    }
    if (this.used() + spec.instanceCount > this.capacity.slots) throw new LimitExceededError(`Job '${jobId}' needs ${spec.instanceCount} slot(s); ${this.capacity.slots - this.used()} are free.`);
    const dir = this.jobDir(jobId);
    const hosts = Array.from({ length: spec.instanceCount }, (_, i) => `algo-${i + 1}`);
    const state: JobState = { id: jobId, dir, hosts: [], stopping: false };
    this.jobs.set(jobId, state);
    /** The cgroup of the host being started, until its runner is in `state.hosts`. */
    let starting: HostCgroup | undefined;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(join(dir, stopFile), { force: true });
      // Each attempt (a RetryStrategy one too) lists its sharded channels afresh: its hosts share only its own listings.
      rmSync(join(dir, listingsDir), { recursive: true, force: true });
      for (const host of hosts) {
        const hostDir = join(dir, host);
        rmSync(hostDir, { recursive: true, force: true });
        // This attempt's events.jsonl is a new file at the ended attempt's path: its torn lines are its own (logs.jsonl,
        // which every attempt appends to, keeps what was said of it).
        this.torn.forget(join(hostDir, 'events.jsonl'));
        mkdirSync(hostDir, { recursive: true, mode: 0o700 });
        const input: RunnerInput = {
          spec, currentHost: host, hosts, workDir: hostDir, logFile: join(dir, 'logs.jsonl'), listingDir: join(dir, listingsDir), artifacts: this.o.artifacts, python: this.o.python,
          stopGraceSeconds: this.graceSeconds, ...(spec.networkIsolation && this.unshare ? { unshare: this.unshare } : {}),
          ...(this.o.sandbox === 'off' ? { sandbox: 'off' as const } : {}),
        };
        const jobFile = join(hostDir, 'job.json');
        writeFileSync(jobFile, JSON.stringify(input), { mode: 0o600 });
        // Room for the runner's exit code while there is room: a server that adopts it after a restart reads it there.
        reserveRunnerExit(hostDir);
        // After the files a full disk refuses: a start it ends leaves no cgroup of this host behind.
        const cgroup = (starting = this.hostCgroup(jobId, host, spec, input.logFile));
        const out = openSync(join(hostDir, 'runner.log'), 'a', 0o600);
        const child = spawn(this.o.runner.command, [...this.o.runner.args, jobFile], { cwd: hostDir, detached: true, stdio: ['ignore', out, out], shell: false, env: runnerEnv() });
        closeSync(out);
        const pid = await new Promise<number>((res, rej) => {
          child.once('spawn', () => res(child.pid as number));
          child.once('error', rej);
        });
        // The runner has not started anything yet (Node is still loading), so every process of the
        // image is born inside the group.
        if (cgroup) {
          try {
            try {
              addToCgroup(cgroup, pid);
            } catch (e) {
              // Another server's sweep may have removed the group before the runner joined it: once more.
              if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !this.cgroupSupport.supported) throw e;
              addToCgroup(createHostCgroup(this.cgroupSupport, cgroupName(jobId, host), limitsOf(spec, this.o.limitsOverride)), pid);
            }
          } catch (e) {
            platformLogLine(input.logFile, host, `Memory and CPU limits are not enforced: the runner could not join its cgroup (${(e as Error).message}).`);
          }
        }
        const h: HostState = { host, dir: hostDir, tail: this.eventTail(hostDir), pid, startTime: processStartTime(pid), lastSeq: 0, exited: false, processGone: false, ...(cgroup ? { cgroup } : {}) };
        child.once('exit', (code, sig) => {
          h.processGone = true;
          noteExit(h, code, sig);
        });
        child.unref();
        state.hosts.push(h);
        starting = undefined;
      }
    } catch (e) {
      for (const h of state.hosts) signal(h.pid, 'SIGKILL');
      for (const g of [...state.hosts.map((h) => h.cgroup), starting]) if (g) this.dropCgroup(g);
      this.jobs.delete(jobId);
      const full = fullCode(e);
      if (full) {
        // The job's files did not fit on its disk: its own capacity, as the runner's full disk is (a ClientError, not
        // retried: a retry met the same disk). What this start wrote goes, so the pages it took are free again.
        for (const host of hosts) rmSync(join(dir, host), { recursive: true, force: true });
        const reason = `ClientError: the job's files could not be written under ${dir}: ${fullWords(full)} (${full}). ${freeSpaceAdvice(dir, full)} (${(e as Error).message})`;
        platformLogLine(join(dir, 'logs.jsonl'), 'algo-1', reason);
        throw new JobStartRefusedError(reason);
      }
      throw new InternalError(`The runner for job '${jobId}' could not be started: ${(e as Error).message}`);
    }
    return { executor: 'local', dir, hosts: Object.fromEntries(state.hosts.map((h) => [h.host, { pid: h.pid, startTime: h.startTime, ...(h.cgroup ? { cgroup: h.cgroup } : {}) }])) };
  }

  /** A reader of the host's events.jsonl that says where a torn line is (once per file). */
  private eventTail(hostDir: string): EventTail {
    const file = join(hostDir, 'events.jsonl');
    return new EventTail(file, (offset) => this.torn.report(file, [offset]));
  }

  /** The host's cgroup sized from its instance type (capped at the machine), or undefined with the reason logged. */
  private hostCgroup(jobId: string, host: string, spec: JobSpec, logFile: string): HostCgroup | undefined {
    const { memoryBytes, cpus } = limitsOf(spec, this.o.limitsOverride);
    const memoryMiB = memoryBytes / (1 << 20);
    const support = this.cgroupSupport;
    if (!support.supported) {
      platformLogLine(logFile, host, `Memory and CPU limits are not enforced on this machine (${support.reason}); the job may use more than ${spec.instanceType} offers.`);
      return undefined;
    }
    try {
      const create = () => createHostCgroup(support, cgroupName(jobId, host), { memoryBytes, cpus });
      let g: HostCgroup;
      try {
        g = create();
      } catch (e) {
        // A concurrent sweep (another server starting) may remove the fresh group mid-write: once more.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        g = create();
      }
      platformLogLine(logFile, host, `Limits for ${spec.instanceType}: ${memoryMiB} MiB of memory, ${cpus} CPU(s) (cgroup v${g.version}).`);
      return g;
    } catch (e) {
      platformLogLine(logFile, host, `Memory and CPU limits are not enforced: the job's cgroup could not be created (${(e as Error).message}).`);
      return undefined;
    }
  }

  async adopt(jobId: string, handle: JobHandle, afterSeq: Readonly<Record<string, number>>): Promise<boolean> {
    if (handle['executor'] !== 'local' || typeof handle['dir'] !== 'string') return false;
    const dir = handle['dir'];
    if (resolve(dir) !== this.jobDir(jobId) || !existsSync(dir)) return false;
    if (this.jobs.has(jobId)) return true;
    const hosts = (handle['hosts'] ?? {}) as Record<string, { pid: number; startTime?: string; cgroup?: HostCgroup }>;
    const state: JobState = { id: jobId, dir, hosts: [], stopping: false };
    for (const [host, p] of Object.entries(hosts)) {
      const hostDir = join(dir, host);
      state.hosts.push({
        host, dir: hostDir, tail: this.eventTail(hostDir), pid: p.pid, startTime: p.startTime,
        lastSeq: afterSeq[host] ?? 0, exited: false, processGone: !isAlive(p.pid, p.startTime),
        // Only the server that spawned a runner learns its exit status; an adopted one may end later.
        exitInfo: isAlive(p.pid, p.startTime) ? 'its exit status is unknown: it was adopted after a server restart' : 'the runner was gone when the server restarted',
        ...(isHostCgroup(p.cgroup, cgroupName(jobId, host)) ? { cgroup: p.cgroup } : {}),
      });
    }
    this.jobs.set(jobId, state);
    this.poll();
    return true;
  }

  async discard(jobId: string): Promise<void> {
    if (this.jobs.has(jobId)) return; // started by this server, which knows its handle
    const dir = this.jobDir(jobId);
    for (const host of listHosts(dir)) {
      endHostProcesses(join(dir, host));
      // The runner is killed, maybe mid-archive: the store needs what its archives hold to settle the job.
      removeRunnerScratch(join(dir, host));
    }
  }

  async stop(jobId: string): Promise<void> {
    const j = this.jobs.get(jobId);
    if (!j || j.stopping) return;
    j.stopping = true;
    const requestedAt = this.stopRequestedAt(j);
    for (const h of j.hosts) if (!h.exited && !h.processGone) signal(h.pid, 'SIGTERM');
    // The runner kills the image's tree after the grace period itself; this is the backstop for a runner
    // that is stuck or dead, a few seconds later. It counts from the first stop, whichever server got it:
    // a restart (which stops a Stopping job again) must not give the job a fresh grace period each time.
    j.killTimer = setTimeout(() => {
      for (const h of j.hosts) {
        if (h.exited) continue;
        signal(-h.pid, 'SIGKILL');
        const pidFile = readPidFile(h.dir);
        killJobTree(pidFile?.childPgid, pidFile?.marker ?? hostMarker(h.dir), pidFile?.childUid);
      }
    }, Math.max(0, requestedAt + (this.graceSeconds + 5) * 1000 - Date.now()));
    j.killTimer.unref();
  }

  /**
   * When the job was first asked to stop: read from `stop.json` in its directory, or now, written
   * there (write-then-rename) for the next server. A time ahead of the clock is not trusted.
   */
  private stopRequestedAt(j: JobState): number {
    const file = join(j.dir, stopFile);
    const now = Date.now();
    try {
      const t = (JSON.parse(readFileSync(file, 'utf8')) as { requestedAt?: unknown }).requestedAt;
      if (typeof t === 'number' && Number.isFinite(t) && t <= now) return t;
    } catch {
      // not stopped before (or unreadable): this is the first stop
    }
    try {
      writeFileAtomic(file, JSON.stringify({ requestedAt: now }));
    } catch (err) {
      this.log.warn({ jobId: j.id, err }, 'could not record when the job was stopped; a restart gives it the grace period again');
    }
    return now;
  }

  async readLogs(jobId: string, options: { token?: string; limit: number }): Promise<LogPage> {
    // Read asynchronously: the Logs API reads a long log page after page within one request.
    return readLogPageAsync(join(this.jobDir(jobId), 'logs.jsonl'), options.token, options.limit, this.torn);
  }

  async readLogsBackward(jobId: string, options: { before?: string; limit: number }): Promise<LogTailPage> {
    return readLogTailAsync(join(this.jobDir(jobId), 'logs.jsonl'), options.before, options.limit, this.torn);
  }

  async readLastLogTimes(jobId: string): Promise<ReadonlyMap<string, number>> {
    return readLastTimes(join(this.jobDir(jobId), 'logs.jsonl'));
  }

  async release(jobId: string): Promise<void> {
    const dir = this.jobDir(jobId);
    const j = this.jobs.get(jobId);
    if (j?.hosts.some((h) => !h.exited)) return;
    for (const h of j?.hosts ?? []) if (h.cgroup) this.dropCgroup(h.cgroup);
    this.jobs.delete(jobId);
    rmSync(join(dir, stopFile), { force: true });
    rmSync(join(dir, listingsDir), { recursive: true, force: true });
    for (const host of listHosts(dir)) {
      for (const sub of ['opt', 'tmp', 'job.json', RUNNER_EXIT_FILE]) rmSync(join(dir, host, sub), { recursive: true, force: true });
      removeRunnerScratch(join(dir, host));
    }
  }

  onEvent(listener: ExecutorListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const j of this.jobs.values()) if (j.killTimer) clearTimeout(j.killTimer);
    this.poll();
    // A runner exits a moment after reporting its exit: give its group that moment to empty, so ended
    // hosts leave no cgroup behind. Running jobs keep theirs (a restarted server adopts them).
    for (const j of this.jobs.values()) for (const h of j.hosts) if (h.exited && h.cgroup) this.pendingCgroups.add(h.cgroup);
    for (let i = 0; i < 40 && this.pendingCgroups.size > 0; i++) {
      for (const g of this.pendingCgroups) if (removeHostCgroup(g)) this.pendingCgroups.delete(g);
      if (this.pendingCgroups.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
    if (this.cgroupSupport.supported) removeEmptyParents(this.cgroupSupport.parents);
    this.jobs.clear();
  }

  private emit(jobId: string, e: ExecutorEvent): void {
    for (const l of this.listeners) {
      try {
        l(jobId, e);
      } catch (err) {
        this.log.error({ jobId, err }, 'job event listener failed');
      }
    }
  }

  /** Removes a group now, or once its last processes have exited. */
  private dropCgroup(g: HostCgroup): void {
    if (!removeHostCgroup(g)) this.pendingCgroups.add(g);
  }

  /** Relays a host's new events, noting its last status and its exit. */
  private relay(j: JobState, h: HostState): void {
    for (const e of h.tail.read()) {
      // Before the sequence check: a re-adopted host's tail starts at the file's beginning.
      if (e.type === 'status') h.lastStatus = e.status;
      if (e.seq <= h.lastSeq) continue;
      h.lastSeq = e.seq;
      if (e.type === 'exit') h.exited = true;
      this.emit(j.id, { ...e, host: h.host });
    }
  }

  /** Relays new events of every job; settles hosts whose runner is gone. */
  private poll(): void {
    for (const g of this.pendingCgroups) if (removeHostCgroup(g)) this.pendingCgroups.delete(g);
    for (const j of [...this.jobs.values()]) {
      for (const h of j.hosts) {
        if (h.exited) continue;
        let gone = h.processGone || !isAlive(h.pid, h.startTime);
        // A runner this process spawned is gone from /proc a moment before Node reports its 'exit' (with the
        // signal or code, for the FailureReason): wait a few polls for it.
        if (gone && !h.processGone && h.exitInfo === undefined && (h.exitAwaited = (h.exitAwaited ?? 0) + 1) <= 5) gone = false;
        this.relay(j, h);
        // One more read: the runner may have written its exit just before it ended.
        if (!h.exited && gone) this.relay(j, h);
        if (!h.exited && gone) {
          h.exited = true;
          const pidFile = readPidFile(h.dir);
          killJobTree(pidFile?.childPgid, pidFile?.marker ?? hostMarker(h.dir), pidFile?.childUid);
          // Before the end is recorded: a cut-short archive may hold the disk's last free bytes, which the store needs.
          removeRunnerScratch(h.dir);
          // A runner this process did not spawn (adopted after a restart), or whose 'exit' never came: the code it recorded.
          if (!h.exitKnown) {
            const code = readRunnerExit(h.dir);
            if (code !== undefined) noteExit(h, code, null);
          }
          this.log.warn({ jobId: j.id, host: h.host, exit: h.exitInfo, step: h.lastStatus }, 'job runner ended without reporting an outcome');
          // The OOM killer may pick the runner itself when the image's processes are small: still the job's memory.
          // A runner that had stopped the job at a limit says so by its exit code: the limit ended the job, not the
          // full disk its outcome could not be written to (Stopped with MaxRuntimeExceeded, as SageMaker reports it).
          const stopped = j.stopping || h.stoppedBy !== undefined;
          const oom = !stopped && h.cgroup !== undefined && oomKills(h.cgroup) > 0;
          this.emit(j.id, {
            type: 'exit', seq: h.lastSeq + 1, time: Date.now(), host: h.host, outcome: stopped ? 'Stopped' : 'Failed', secondaryStatus: h.stoppedBy ?? (j.stopping ? 'Stopped' : 'Failed'),
            failureReason: h.stoppedBy
              ? `${h.stoppedBy}: the job was stopped at its StoppingCondition limit; its runner process then ended (${h.exitInfo}) without writing that outcome${lastStep(h.lastStatus)}.`
              : oom
              ? `OutOfMemoryError: the job ran out of memory for its instance type (the kernel's OOM killer ended its processes on ${h.host}). Use an instance type with more memory or process less data per instance.`
              // The runner's own word that the disk stayed full past its wait for space: the job's capacity, not retried (a retry fills it again).
              : h.diskFullExit && !j.stopping
                ? `ClientError: the job's runner process ended (${h.exitInfo}) without reporting an outcome${lastStep(h.lastStatus)}. ${freeSpaceAdvice(h.dir, h.exitInfo?.includes('EDQUOT') ? 'EDQUOT' : 'ENOSPC')}${runnerLogTail(h.dir)}`
                : `InternalServerError: the job's runner process ended (${h.exitInfo ?? 'it was killed'}) without reporting an outcome${lastStep(h.lastStatus)}.${diskFullNote(h.dir, h.exitInfo)}${runnerLogTail(h.dir)}`,
            platformFault: !stopped && !oom && !h.diskFullExit,
          });
          h.lastSeq += 1;
        }
      }
      // rmdir fails while any process is still in the group, so this also waits for the image's stragglers.
      for (const h of j.hosts) if (h.exited && h.cgroup && removeHostCgroup(h.cgroup)) delete h.cgroup;
      if (j.hosts.every((h) => h.exited) && j.killTimer) clearTimeout(j.killTimer);
    }
  }
}

/** In a job's directory: when it was first asked to stop (`{ requestedAt }`, epoch ms). */
const stopFile = 'stop.json';
/** Where the hosts of a job's attempt share the listings their ShardedByS3Key channels are dealt from (RunnerInput.listingDir). */
const listingsDir = 'listings';

/**
 * What the runner's exit says (from Node's 'exit' of a runner this process spawned, or the code an adopted one recorded):
 * a limit that had stopped the job, or a disk that stayed full, when its outcome could not be written (see runner-exit.ts).
 */
function noteExit(h: HostState, code: number | null, sig: NodeJS.Signals | null): void {
  h.exitKnown = true;
  const limit = sig ? undefined : limitOfExit(code);
  if (limit) h.stoppedBy = limit;
  h.diskFullExit = !sig && (code === RUNNER_EXIT_DISK_FULL || limit !== undefined);
  h.exitInfo = sig ? `signal ${sig}` : h.diskFullExit ? `exit code ${code}: ${diskFullWords(h.dir)} to write it` : `exit code ${code}`;
}

/** Writes `file` whole or not at all: a temporary file renamed over it, removed when that fails. */
function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function listHosts(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /^algo-\d+$/.test(n));
  } catch {
    return [];
  }
}

/** `training-job-<name>-algo-1`: one group per host of a job. */
function cgroupName(jobId: string, host: string): string {
  return `${jobId.replace('/', '-')}-${host}`;
}

/** The instance's memory and vCPUs (already capped at the machine in the spec), or the override. */
function limitsOf(spec: JobSpec, override: LocalProcessExecutorOptions['limitsOverride']): { memoryBytes: number; cpus: number } {
  return { memoryBytes: (override?.memoryMiB ?? spec.memoryMiB) * (1 << 20), cpus: override?.cpus ?? spec.vcpus };
}

/** A stored handle's cgroup is only trusted when it names this host's own group under a `loam` parent. */
function isHostCgroup(g: HostCgroup | undefined, name: string): g is HostCgroup {
  return g !== undefined && Array.isArray(g.dirs) && g.dirs.every((d) => typeof d === 'string' && d.endsWith(`/loam/${name}`) && !d.includes('..'));
}

/** A line in the job's platform log written by the executor (before the runner exists, or instead of it). */
function platformLogLine(logFile: string, host: string, line: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(logFile, 'a+', 0o600);
    const time = Date.now();
    // On a new line: an earlier attempt's runner may have given up mid-record on a full disk.
    writeSync(fd, recordToAppend(fd, Buffer.from(`${JSON.stringify({ time, host, stream: 'platform', line })}\n`)));
    recordLastTime(logFile, host, time);
  } catch {
    // the log is best effort; the job's outcome does not depend on it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The full disk, when it is why a runner ended without an outcome: its exit code says so (a runner this
 * executor started), or the disk holding the job's directory has (almost) nothing free now (one adopted after
 * a restart, whose exit code is unknown). `runner.log`, which would say so, is on that disk and may be empty.
 */
function diskFullNote(dir: string, exitInfo: string | undefined): string {
  if (exitInfo?.includes('ENOSPC') || exitInfo?.includes('EDQUOT')) return '';
  try {
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    return free < 1 << 20 ? ` The disk holding the job's directory is full: no space left on device (ENOSPC), ${free} bytes free.` : '';
  } catch {
    return '';
  }
}

/** A refusal for want of space (ENOSPC) or quota (EDQUOT), by its code; undefined for any other error. */
function fullCode(e: unknown): 'ENOSPC' | 'EDQUOT' | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? code : undefined;
}

/** The code in words, as the C library says it: a quota is not a full disk (df shows free space). */
function fullWords(code: 'ENOSPC' | 'EDQUOT'): string {
  return code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device';
}

/** What the user can do about a job that failed for want of space under `dir`. */
function freeSpaceAdvice(dir: string, code: 'ENOSPC' | 'EDQUOT'): string {
  return `Free space on the disk holding ${dir} (Loam's data directory)${code === 'EDQUOT' ? ', or raise the disk quota of the user Loam runs as there' : ''}, then run the job again: a job that failed for want of space is not retried under RetryStrategy.`;
}

/**
 * What a runner's disk-full exit met, in words: its code is not in the exit status, but a disk with room left
 * refused for a quota (EDQUOT), not for want of space (ENOSPC).
 */
function diskFullWords(dir: string): string {
  try {
    const s = statfsSync(dir);
    if (s.bavail * s.bsize >= 1 << 20) return 'disk quota exceeded or no space left on device (EDQUOT or ENOSPC: the disk has room now)';
  } catch {
    // cannot tell: the runner's exit code says its disk was full
  }
  return 'no space left on device (ENOSPC)';
}

/** Where the runner was: the last step it reported (`Uploading` means the image had already ended successfully). */
function lastStep(status: string | undefined): string {
  if (status === undefined) return '';
  if (status === 'Uploading') return '; the last step it reported was Uploading: the image had ended successfully and its outputs were being uploaded';
  return `; the last step it reported was ${status}`;
}

/** The end of the runner's own output, which explains a runner crash. */
function runnerLogTail(dir: string): string {
  try {
    const t = readFileSync(join(dir, 'runner.log'), 'utf8').trim();
    return t ? ` Runner output: ${t.slice(-600)}` : '';
  } catch {
    return '';
  }
}

/** The runner's environment: the server's, minus Loam's own configuration (the runner reads job.json). */
function runnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LOAM_') && !k.startsWith('AWS_')) env[k] = v;
  return env;
}
