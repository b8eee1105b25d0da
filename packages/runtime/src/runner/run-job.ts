import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import type { RunnerInput } from '@loam/contracts';
import type { Artifacts } from './artifacts.js';
import { JobChild } from './child.js';
import { layOutContract, type ContractDir } from './contract-dir.js';
import { EventWriter } from './event-writer.js';
import { imageCommand } from './image-command.js';
import { xgboostRoundMetrics } from '../images/round-metrics.js';
import { MetricParser } from './metrics.js';
import { jobMemoryState, outOfMemoryReason } from './oom.js';
import { prepareLaunch, SandboxRefused } from './job-sandbox.js';
import { isOwnDir, readOwnText } from './own-files.js';
import { CheckpointSync, uploadTree } from './outputs.js';
import { TrainingOutputs } from './training-outputs.js';
import { DiskFullError, DiskWaitBudget, diskFullReason, fullWords, isDiskFull, noSpaceLeft, OutcomeNotWritten, whileDiskFull } from './disk-full.js';
import { processStartTime } from '@loam/adapters/executors/local/proc';
import { RUNNER_SCRATCH_DIR } from '@loam/adapters/executors/local/runner-scratch';
import { processingEnv, trainingEnv } from './sm-env.js';
import { PipeInputs, type PipeChannel } from './pipe-channels.js';
import { ClientError, planChannel, stageChannel } from './stage-inputs.js';

/** How often checkpoints and Continuous processing outputs are pushed while the job runs. */
const syncIntervalMs = 5_000;
/**
 * How long, in all, a runner waits for space on a full disk after its image ended (the model's archive and
 * upload, each output's upload, then the write of its reports) before the job fails saying so.
 */
const diskFullWaitMs = 30 * 60_000;
/** How long a stopped (or timed-out) job's reports wait for space before the runner ends without them; also what the reports of a job whose wait for space is spent still get. */
const stopSettleMs = 10_000;

/** What the runner writes next to its events so an executor can find (and re-adopt) it. */
export interface PidFile {
  readonly pid: number;
  readonly startTime?: string;
  /** The image's process group, once started; the executor's last resort when the runner itself is gone. */
  readonly childPgid?: number;
  /** The sandbox uid the image runs as: every process of it is the job's. */
  readonly childUid?: number;
  readonly marker: string;
}

/** The marker in every job process's environment: the job's work directory is unique per job and host. */
export function jobMarker(input: RunnerInput): string {
  return Buffer.from(input.workDir).toString('base64url');
}

/** Where this runner builds archives: the executor removes it once the runner is gone, however it ended. */
function scratchDir(input: RunnerInput): string {
  return join(input.workDir, RUNNER_SCRATCH_DIR);
}

function writePidFile(input: RunnerInput, childPgid?: number, childUid?: number): void {
  const pid: PidFile = { pid: process.pid, startTime: processStartTime(process.pid), ...(childPgid ? { childPgid } : {}), ...(childUid !== undefined ? { childUid } : {}), marker: jobMarker(input) };
  const file = join(input.workDir, 'runner.pid');
  // Whole or not at all (the executor reads it at any moment), and no temporary file left either way.
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(pid), { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function baseEnv(input: RunnerInput): Record<string, string> {
  const tmp = join(input.workDir, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  return { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: input.workDir, LANG: 'C.UTF-8', TMPDIR: tmp, AWS_REGION: input.spec.region, AWS_DEFAULT_REGION: input.spec.region };
}

/** Why the runner stops the image: StopTrainingJob/SIGTERM, or a StoppingCondition limit (the SecondaryStatus it ends in). */
type StopReason = 'Stopped' | 'MaxRuntimeExceeded' | 'MaxWaitTimeExceeded';

/**
 * Runs one host of a job end to end and reports through `events.jsonl`: lay out the contract, restore
 * checkpoints, stage channels, run the image, stream its logs and metrics, then upload the model (or
 * processing outputs) and report the outcome. SIGTERM (StopTrainingJob) and MaxRuntimeInSeconds stop the
 * image's whole process tree (SIGTERM, then SIGKILL after the grace period); a stopped training job
 * still uploads the model it wrote, as SageMaker does.
 */
export async function runJob(input: RunnerInput): Promise<void> {
  const { spec } = input;
  mkdirSync(input.workDir, { recursive: true, mode: 0o700 });
  writePidFile(input);
  const w = new EventWriter(join(input.workDir, 'events.jsonl'), input.logFile, input.currentHost);
  const platformLog = (line: string) => w.log('platform', line);
  const abort = new AbortController();
  let stopReason: StopReason | undefined;
  /** The outcome reported was the stop's: Stopped, with this SecondaryStatus. */
  let stoppedAs: StopReason | undefined;
  let child: JobChild | undefined;
  /** Pipe-mode channels' FIFO writers (script and process images), from just before the image starts until it ends. */
  let pipes: PipeInputs | undefined;
  /** Why a Pipe-mode channel could not be streamed: the image is stopped and the job fails with it. */
  let pipeFailure: Error | undefined;
  const graceMs = input.stopGraceSeconds * 1000;
  const stop = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    const why = reason === 'MaxRuntimeExceeded' ? `MaxRuntimeInSeconds (${spec.maxRuntimeSeconds}) exceeded`
      : reason === 'MaxWaitTimeExceeded' ? 'MaxWaitTimeInSeconds exceeded (managed spot training: time since creation)' : undefined;
    w.status('Stopping', why);
    platformLog(why ? `${why}: stopping the job.` : 'Stop requested: stopping the job.');
    abort.abort();
    void child?.terminate(graceMs);
  };
  process.on('SIGTERM', () => stop('Stopped'));
  process.on('SIGINT', () => stop('Stopped'));
  // MaxRuntimeInSeconds is a total over every attempt (SageMaker's, with RetryStrategy): this attempt gets what the
  // earlier ones left; a spot job's MaxWaitTimeInSeconds is a fixed deadline from its creation (queued time and
  // earlier attempts included), whichever comes first.
  const runtimeMs = Math.max(0, spec.maxRuntimeSeconds - (spec.runtimeSpentSeconds ?? 0)) * 1000;
  const waitMs = spec.maxWaitUntil === undefined ? Infinity : Math.max(0, spec.maxWaitUntil - Date.now());
  const deadline = waitMs < runtimeMs ? afterMs(waitMs, () => stop('MaxWaitTimeExceeded')) : afterMs(runtimeMs, () => stop('MaxRuntimeExceeded'));

  let store: Artifacts | undefined;
  let dir: ContractDir | undefined;
  let checkpoints: CheckpointSync | undefined;
  let trainingOutputs: TrainingOutputs | undefined;
  const diskBudget = new DiskWaitBudget(diskFullWaitMs);
  /** A step that writes once the image ended: a full disk is waited out within {@link diskBudget} (see whileDiskFull). */
  const wait = (step: string, path: string) => ({ step, path, budget: diskBudget, signal: abort.signal, log: platformLog });
  const hostIndex = Math.max(0, [...input.hosts].sort().indexOf(input.currentHost));
  const isLeader = hostIndex === 0;
  /** TensorBoardOutputConfig / DebugHookConfig: what the image left under each LocalPath, uploaded once it has ended (whatever the outcome). */
  let endOfJobUploaded = false;
  const uploadEndOfJob = async () => {
    if (endOfJobUploaded) return;
    for (const u of spec.endOfJobUploads ?? []) {
      const n = await whileDiskFull(wait(`uploading ${u.field} (${u.localPath}) to ${u.s3Uri}`, input.workDir), () => uploadTree(store as Artifacts, dir!.containerPath(u.localPath), u.s3Uri, dir!.root));
      if (n > 0) platformLog(`Uploaded ${n} file(s) of ${u.field} (${u.localPath}) to ${u.s3Uri}.`);
    }
    // Only once done: the stop path tries again what a stop during a wait for space cut short.
    endOfJobUploaded = true;
  };
  try {
    store = await openArtifactStore(input.artifacts as never);
    // Jobs stored before LocalPath had to be under /opt/ml: never a directory of the machine, not even created.
    const lp = spec.checkpoint?.localPath;
    if (lp !== undefined && lp !== '/opt/ml' && !lp.startsWith('/opt/ml/')) throw new ClientError(`CheckpointConfig.LocalPath '${lp}' must be under /opt/ml.`);
    dir = layOutContract(input);
    w.status('Downloading');
    if (spec.checkpoint) {
      if (!isOwnDir(dir.root, dir.checkpointDir)) throw new ClientError(`CheckpointConfig.LocalPath '${lp}' must be under /opt/ml.`);
      checkpoints = new CheckpointSync(store, dir.checkpointDir, spec.checkpoint.s3Uri, dir.root);
      const n = await checkpoints.restore(abort.signal);
      if (n > 0) platformLog(`Restored ${n} checkpoint file(s) from ${spec.checkpoint.s3Uri}.`);
    }
    const stagingHost = { index: hostIndex, count: input.hosts.length, ...(input.listingDir !== undefined ? { listingDir: input.listingDir } : {}) };
    const pipeChannels: PipeChannel[] = [];
    for (const c of spec.channels) {
      // Pipe mode streams through FIFOs for images that read their channels themselves; the built-in
      // algorithms read files, which is the same data for them, so their Pipe channels are staged.
      if (spec.kind === 'training-job' && c.inputMode === 'Pipe' && spec.image.type !== 'builtin') {
        const planned = await planChannel(store, c, stagingHost, abort.signal);
        pipeChannels.push({ channel: c, planned });
        platformLog(`Channel '${c.name}' is in Pipe mode: ${planned.length} object(s) from ${c.s3Uri} are streamed through the FIFOs /opt/ml/input/data/${c.name}_0, ${c.name}_1, … one epoch after another.`);
        continue;
      }
      const target = spec.kind === 'processing-job' ? dir.containerPath(c.localPath as string) : join(dir.dataDir, c.name);
      const n = await stageChannel(store, c, target, stagingHost, abort.signal);
      platformLog(`Staged ${n} object(s) for ${spec.kind === 'training-job' ? 'channel' : 'input'} '${c.name}' from ${c.s3Uri}.`);
    }
    const cmd = await imageCommand(input, dir, store, abort.signal);
    if (stopReason) throw new StopSignal();
    // Built-in XGBoost publishes train:/validation:<metric> itself every round; a definition with one of
    // those names (copied from a notebook) would add each point a second time.
    const published = spec.image.type === 'builtin' ? xgboostRoundMetrics(spec.image.algorithm, spec.hyperParameters) : new Set<string>();
    const own = (d: { Name: string }) => published.has(d.Name);
    const shadowed = spec.metricDefinitions.filter(own);
    if (shadowed.length > 0) platformLog(`Metric definition${shadowed.length > 1 ? 's' : ''} ${shadowed.map((d) => `'${d.Name}'`).join(', ')} name${shadowed.length > 1 ? '' : 's'} a metric the built-in algorithm publishes every round: ${shadowed.length > 1 ? 'their regexes are' : 'its regex is'} not applied.`);
    const parser = new MetricParser(spec.metricDefinitions.filter((d) => !own(d)));
    const moduleName = spec.image.type === 'script' ? String(spec.hyperParameters['sagemaker_program'] ?? '').replace(/^"|"$/g, '').replace(/\.py$/, '') : undefined;
    const env = {
      ...baseEnv(input), ...cmd.env,
      ...(spec.kind === 'training-job' ? trainingEnv(input, dir, moduleName) : processingEnv(input, dir)),
      ...spec.environment, LOAM_JOB_MARKER: jobMarker(input),
    };
    // Kills counted before the image starts are not the image's (a restarted host reuses its group).
    const oomBefore = jobMemoryState()?.oomKills ?? 0;
    const launch = await prepareLaunch(input, dir, cmd, env);
    if (stopReason) throw new StopSignal();
    if (pipeChannels.length > 0) {
      pipes = new PipeInputs({
        store, channels: pipeChannels, host: stagingHost, dataDir: dir.dataDir, signal: abort.signal, log: platformLog,
        ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
        onError: (e) => {
          pipeFailure ??= e;
          platformLog(`Pipe mode: ${e.message} Stopping the image.`);
          void child?.terminate(graceMs);
        },
      });
    }
    // Started (and its process group in runner.pid: onStart runs within the constructor) before Training is
    // reported: the executor takes Training to mean the image runs, and kills it by that group.
    child = new JobChild({
      cmd: launch.cmd, env: launch.env, marker: jobMarker(input), ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
      onLine: (stream, line) => {
        w.log(stream, line);
        for (const m of parser.parse(line)) w.metric(m.name, m.value);
      },
      onMetric: (name, value) => w.metric(name, value),
      onStart: (pid) => writePidFile(input, pid, launch.uid),
    });
    w.status('Training');
    platformLog(launch.note);
    const outputs = spec.outputs.filter((o) => o.uploadMode === 'Continuous');
    const ticker = setInterval(() => {
      void checkpoints?.sync().catch((e: unknown) => platformLog(`Checkpoint sync failed: ${(e as Error).message}`));
      for (const o of outputs) void uploadTree(store as Artifacts, dir!.containerPath(o.localPath), o.s3Uri, dir!.root).catch(() => {});
    }, syncIntervalMs);
    const exit = await child.done;
    // The image has ended: FIFO writers still waiting for a reader, or blocked on one, are abandoned.
    pipes?.close();
    clearInterval(ticker);
    // A full disk is waited out here too (a local store writes under the data directory): the job failed, its model
    // never uploaded, on a disk full for a moment (and since a full disk is the job's ClientError, not retried).
    if (checkpoints) {
      const c = checkpoints;
      await whileDiskFull(wait(`uploading checkpoints to ${spec.checkpoint?.s3Uri}`, input.workDir), () => c.sync());
    }
    await uploadEndOfJob();
    if (exit.spawnError) throw new ClientError(`The image's command could not be started: ${exit.spawnError}`);
    if (pipeFailure) throw pipeFailure;
    if (stopReason) throw new StopSignal();
    if (exit.code !== 0) {
      const mem = exit.signal === 'SIGKILL' || exit.code === 137 ? jobMemoryState() : undefined;
      if (mem && mem.oomKills > oomBefore) {
        const reason = outOfMemoryReason(spec.instanceType, mem.limitMiB);
        platformLog(reason);
        w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: reason.slice(0, 1024), exitCode: exit.code, ...exitMessage(dir) });
        return;
      }
      const written = readOwnText(dir.root, dir.failureFile, 1024);
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      const tail = exit.stderrTail.slice(-5).join('\n');
      const reason = written ?? `AlgorithmError: the image ended with ${how}${tail ? `. Last stderr lines:\n${tail}` : ''}`;
      // The image's own write may have failed for want of space (its traceback says so, or not): say it plainly.
      const quota = /Disk quota exceeded|EDQUOT|Errno 122/.test(tail);
      const full = quota ? ` (The job's disk quota was exceeded when the image ended: disk quota exceeded (EDQUOT) under ${dir.root}.)`
        : noSpaceLeft(input.workDir) || /No space left on device|ENOSPC|Errno 28/.test(tail)
          ? ` (The job's disk was full when the image ended: no space left on device (ENOSPC) under ${dir.root}.)` : '';
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: `${reason.slice(0, 1024 - full.length)}${full}`, exitCode: exit.code, ...exitMessage(dir) });
      return;
    }
    w.status('Uploading');
    let modelArtifacts: string | undefined;
    // The image succeeded: a full disk (the archive is written under the work dir, a local artifact store
    // writes under the data dir) is waited out rather than losing the model (see whileDiskFull).
    if (spec.kind === 'training-job' && spec.outputPath && isLeader) {
      const outputs = (trainingOutputs = new TrainingOutputs(spec.outputPath, spec.name, dir.root, dir.modelDir, dir.outputDataDir, scratchDir(input)));
      modelArtifacts = await whileDiskFull(wait(`archiving and uploading the model to ${spec.outputPath}`, input.workDir), () => outputs.upload(store as Artifacts));
      platformLog(`Uploaded the model to ${modelArtifacts}.`);
    }
    for (const o of spec.outputs) {
      const d = dir;
      const n = await whileDiskFull(wait(`uploading output '${o.name}' to ${o.s3Uri}`, input.workDir), () => uploadTree(store as Artifacts, d.containerPath(o.localPath), o.s3Uri, d.root));
      platformLog(`Uploaded ${n} file(s) of output '${o.name}' to ${o.s3Uri}.`);
    }
    w.emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0, ...(modelArtifacts ? { modelArtifacts } : {}), ...exitMessage(dir) });
  } catch (e) {
    if (stopReason || e instanceof StopSignal) {
      let modelArtifacts: string | undefined;
      if (store && dir && spec.kind === 'training-job' && spec.outputPath && isLeader && child) {
        // After a stop during the wait for space: once more, reusing the archive that wait kept.
        trainingOutputs ??= new TrainingOutputs(spec.outputPath, spec.name, dir.root, dir.modelDir, dir.outputDataDir, scratchDir(input));
        modelArtifacts = await trainingOutputs.upload(store).catch((err: unknown) => {
          platformLog(`The model could not be uploaded after the stop: ${(err as Error).message}`);
          return undefined;
        });
      }
      if (store && checkpoints) await checkpoints.sync().catch(() => 0);
      if (store && dir && child) await uploadEndOfJob().catch((err: unknown) => platformLog(`TensorBoard / Debugger output could not be uploaded after the stop: ${(err as Error).message}`));
      // SageMaker reports /opt/ml/output/message as ExitMessage after any terminal status, Stopped included.
      stoppedAs = stopReason ?? 'Stopped';
      w.emit({ type: 'exit', outcome: 'Stopped', secondaryStatus: stoppedAs, ...(modelArtifacts ? { modelArtifacts } : {}), ...(dir && child ? exitMessage(dir) : {}) });
    } else if (e instanceof SandboxRefused) {
      // This machine's set-up, the same on every attempt: not retried.
      platformLog(`InternalServerError: ${e.message}`);
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: `InternalServerError: ${e.message}`.slice(0, 1024) });
    } else if (e instanceof ClientError) {
      platformLog(`ClientError: ${e.message}`);
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: `ClientError: ${e.message}`.slice(0, 1024) });
    } else if (e instanceof DiskFullError || isDiskFull(e)) {
      // The job's disk had no room (after the wait for space, or in a step that does not wait: staging,
      // checkpoints): the job's own capacity, like SageMaker's full volume, so not retried (see diskFullReason).
      const reason = diskFullReason(e, input.workDir);
      platformLog(reason);
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: reason });
    } else {
      const message = e instanceof Error ? e.message : String(e);
      platformLog(`InternalServerError: ${message}`);
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: `InternalServerError: ${message}`.slice(0, 1024), platformFault: true });
    }
  } finally {
    deadline.clear();
    pipes?.close();
    child?.reap();
    // Scratch archives go first: on a disk that stayed full their room is what the outcome is written in.
    trainingOutputs?.dispose();
    // The outcome must reach the disk before the runner exits: records held while the disk is full are
    // written once space is back, waited for within what is left of the wait for space (at least a moment),
    // or a moment after a stop.
    const written = await w.settle({ maxWaitMs: Math.max(diskBudget.leftMs(), stopSettleMs), signal: abort.signal, afterStopMs: stopSettleMs });
    w.close();
    // The runner then ends without an outcome: the executor reports it (Stopped after a stop), naming the full disk.
    // A limit that had stopped the job is named by the exit code: the job reached MaxRuntimeInSeconds (it was not
    // the full disk that ended it, even if it was waiting for space then), and it ends Stopped as SageMaker says.
    if (!written) {
      const code = w.diskFullCode ?? 'ENOSPC';
      const limit = stoppedAs === 'MaxRuntimeExceeded' || stoppedAs === 'MaxWaitTimeExceeded' ? stoppedAs : undefined;
      throw new OutcomeNotWritten(`the job's outcome${limit ? ` (Stopped: ${limit})` : ''} could not be written: ${fullWords(code)} (${code}) under ${input.workDir}`, code, limit);
    }
  }
}

/** Node's longest timer: a longer delay fires at once (TimeoutOverflowWarning). */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Calls `fn` after `ms`, however long: a training job may run 28 days and a spot job's MaxWaitTimeInSeconds
 * has no bound, past the ~24.8 days one setTimeout takes. Does not keep the process alive.
 */
function afterMs(ms: number, fn: () => void): { clear(): void } {
  const at = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at - Date.now();
    timer = left > maxTimerMs ? setTimeout(arm, maxTimerMs) : setTimeout(fn, Math.max(0, left));
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

/** Thrown to leave the normal path when a stop arrives between steps. */
class StopSignal extends Error {}

function exitMessage(dir: ContractDir): { exitMessage?: string } {
  const m = readOwnText(dir.root, join(dir.outputDir, 'message'), 1024);
  return m ? { exitMessage: m } : {};
}
