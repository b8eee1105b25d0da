import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ArtifactStore, ExecutorEvent, JobExecutor } from '@loam/core';

/**
 * The behaviour a conformance job acts out, passed in its `Environment` as `LOAM_CONFORMANCE` (JSON).
 * The real executors run {@link conformanceScript} with Node as a process image; a fake acts it out itself.
 */
export interface ConformanceBehaviour {
  readonly exit: number;
  readonly stderr?: string;
  readonly sleepMs?: number;
  readonly ignoreSigterm?: boolean;
  readonly lines?: number;
}

/**
 * The process image of the conformance jobs (`node -e <script>`): prints the hyperparameters file and
 * the `train` channel's bytes, a metric line and `lines` numbered lines, writes `model/model.txt`,
 * then sleeps, writes stderr and exits as told.
 */
export const conformanceScript = `
const fs = require('fs'), path = require('path');
const b = JSON.parse(process.env.LOAM_CONFORMANCE);
if (b.ignoreSigterm) process.on('SIGTERM', () => {});
console.log('hp:' + fs.readFileSync(path.join(process.env.SM_INPUT_CONFIG_DIR, 'hyperparameters.json'), 'utf8').trim());
const dir = process.env.SM_CHANNEL_TRAIN;
console.log('channel:' + fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim()).join('|'));
console.log('loss=0.25;');
for (let i = 0; i < (b.lines || 0); i++) console.log('line ' + i);
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.txt'), 'model-bytes');
setTimeout(() => { if (b.stderr) process.stderr.write(b.stderr + '\\n'); process.exit(b.exit); }, b.sleepMs || 0);
`;

export interface JobExecutorTarget {
  readonly name: string;
  /** A fresh executor and the artifact store its jobs use. */
  create(): Promise<{ executor: JobExecutor; artifacts: ArtifactStore; close(): Promise<void> }>;
  /** Longest a stopped job may take to end (the executor's grace period plus margin). */
  readonly stopWithinMs: number;
}

let counter = 0;

/** A training JobSpec running the conformance script with `behaviour`. */
export function conformanceSpec(behaviour: ConformanceBehaviour, over: Partial<JobSpec> = {}): JobSpec {
  const name = `conf-${process.pid}-${++counter}`;
  return {
    kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`, region: 'us-east-1',
    image: { type: 'process', name: 'conformance', uri: 'conformance', command: process.execPath, args: ['-e', conformanceScript] },
    hyperParameters: { literal: '$(touch /tmp/pwned); `id` | & ; "quoted"', lr: '0.1' },
    environment: { LOAM_CONFORMANCE: JSON.stringify(behaviour) },
    channels: [{ name: 'train', s3Uri: 's3://conformance/train/', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None' }],
    outputs: [], outputPath: 's3://conformance/out', instanceType: 'ml.m5.large', instanceCount: 1, volumeSizeInGB: 1, vcpus: 1, memoryMiB: 1024,
    maxRuntimeSeconds: 120, networkIsolation: false, metricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+);' }],
    ...over,
  };
}

/**
 * The suite every JobExecutor (and the in-memory fake) runs: exit 0 → Completed with the model stored;
 * exit 1 → Failed with the stderr tail; stop reaches Stopped and a second stop is a no-op;
 * hyperparameters and channels arrive as the contract says (shell metacharacters literally); metrics
 * are parsed; logs stream in order and page with their token, and read backward from the end in pages whose
 * tokens are readLogs' own; an output bucket that does not exist
 * fails the job at upload and is never created.
 */
export function describeJobExecutorConformance(target: JobExecutorTarget): void {
  describe(`JobExecutor conformance: ${target.name}`, () => {
    let executor: JobExecutor;
    let artifacts: ArtifactStore;
    let close: () => Promise<void>;
    const events = new Map<string, ExecutorEvent[]>();
    const waiters = new Map<string, (e: ExecutorEvent) => void>();

    beforeAll(async () => {
      ({ executor, artifacts, close } = await target.create());
      executor.onEvent((id, e) => {
        const list = events.get(id) ?? [];
        list.push(e);
        events.set(id, list);
        if (e.type === 'exit') waiters.get(id)?.(e);
      });
      await artifacts.ensureBucket('conformance');
      await artifacts.put({ bucket: 'conformance', key: 'train/a.csv' }, Buffer.from('1,2,3\n'));
      await artifacts.put({ bucket: 'conformance', key: 'train/b.csv' }, Buffer.from('4,5,6\n'));
    });
    afterAll(async () => {
      await close?.();
    });

    const exitOf = (id: string, timeoutMs = 30_000) =>
      new Promise<ExecutorEvent & { type: 'exit' }>((resolve, reject) => {
        const done = events.get(id)?.find((e) => e.type === 'exit');
        if (done) return resolve(done as ExecutorEvent & { type: 'exit' });
        const t = setTimeout(() => reject(new Error(`job ${id} did not exit within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(id, (e) => {
          clearTimeout(t);
          resolve(e as ExecutorEvent & { type: 'exit' });
        });
      });
    const allLogs = async (id: string) => {
      const lines: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await executor.readLogs(id, { ...(token ? { token } : {}), limit: 3 });
        lines.push(...page.lines.map((l) => l.line));
        if (page.lines.length === 0) break;
        token = page.nextToken;
      }
      return lines;
    };

    it('exit 0 → Completed; the model lands in the artifact store; hyperparameters, channels and metrics arrive', async () => {
      const spec = conformanceSpec({ exit: 0, lines: 7 });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      const exit = await exitOf(id);
      expect(exit.outcome).toBe('Completed');
      expect(exit.modelArtifacts).toBe(`s3://conformance/out/${spec.name}/output/model.tar.gz`);
      const obj = await artifacts.get({ bucket: 'conformance', key: `out/${spec.name}/output/model.tar.gz` });
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      const tarText = gunzipSync(Buffer.concat(chunks)).toString('latin1');
      expect(tarText).toContain('model.txt');
      expect(tarText).toContain('model-bytes');
      const lines = await allLogs(id);
      expect(lines).toContain(`hp:${JSON.stringify(spec.hyperParameters)}`);
      expect(lines).toContain('channel:1,2,3|4,5,6');
      const numbered = lines.filter((l) => l.startsWith('line '));
      expect(numbered).toEqual(Array.from({ length: 7 }, (_, i) => `line ${i}`));
      const metrics = (events.get(id) ?? []).filter((e) => e.type === 'metric');
      expect(metrics.map((m) => (m.type === 'metric' ? [m.name, m.value] : []))).toEqual([['loss', 0.25]]);
      const statuses = (events.get(id) ?? []).flatMap((e) => (e.type === 'status' ? [e.status] : []));
      expect(statuses).toEqual(['Downloading', 'Training', 'Uploading']);
      const seqs = (events.get(id) ?? []).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    });

    it('reads logs backward from the end: the same lines in pages, its tokens the ones readLogs issues', async () => {
      const spec = conformanceSpec({ exit: 0, lines: 9 });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      expect((await exitOf(id)).outcome).toBe('Completed');
      // Forward, to the end: every line and the token after the last.
      const forward: string[] = [];
      let endToken: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await executor.readLogs(id, { ...(endToken ? { token: endToken } : {}), limit: 4 });
        if (page.lines.length === 0) break;
        forward.push(...page.lines.map((l) => l.line));
        endToken = page.nextToken;
      }
      expect(forward.length).toBeGreaterThan(9);
      const last = await executor.readLogsBackward(id, { limit: 4 });
      expect(last.lines.map((l) => l.line)).toEqual(forward.slice(-4));
      expect(last.after).toBe(endToken);
      // Reading forward from a backward page's start gives that page's lines.
      const again = await executor.readLogs(id, { token: last.before as string, limit: 4 });
      expect(again.lines.map((l) => l.line)).toEqual(forward.slice(-4));
      const backward: string[][] = [];
      let before: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await executor.readLogsBackward(id, { ...(before ? { before } : {}), limit: 3 });
        backward.unshift(page.lines.map((l) => l.line));
        if (page.before === undefined) break;
        before = page.before;
      }
      expect(backward.flat()).toEqual(forward);
      const none = await executor.readLogsBackward('training-job/never-started', { limit: 10 });
      expect(none.lines).toEqual([]);
      expect(none.before).toBeUndefined();
    });

    it("gives each line a start token: reading from it returns that line first, and it is the line's whatever page it was read in", async () => {
      const spec = conformanceSpec({ exit: 0, lines: 9 });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      expect((await exitOf(id)).outcome).toBe('Completed');
      const read = async (limit: number) => {
        const lines: string[] = [];
        const starts: string[] = [];
        let token: string | undefined;
        for (let i = 0; i < 100; i++) {
          const page = await executor.readLogs(id, { ...(token ? { token } : {}), limit });
          expect(page.starts).toHaveLength(page.lines.length);
          if (page.lines.length === 0) break;
          lines.push(...page.lines.map((l) => l.line));
          starts.push(...page.starts);
          token = page.nextToken;
        }
        return { lines, starts };
      };
      const whole = await read(1000);
      expect(whole.lines.length).toBeGreaterThan(9);
      // Names a line: distinct (also for lines alike) and the same however the log was paged (FilterLogEvents' eventIds).
      expect(new Set(whole.starts).size).toBe(whole.lines.length);
      for (const limit of [1, 3, 4]) expect(await read(limit), `limit ${limit}`).toEqual(whole);
      for (const [k, start] of whole.starts.entries()) {
        const from = await executor.readLogs(id, { token: start, limit: 2 });
        expect(from.lines.map((l) => l.line)).toEqual(whole.lines.slice(k, k + 2));
        expect(from.starts).toEqual(whole.starts.slice(k, k + 2));
      }
    });

    it('exit 1 → Failed with the stderr tail as the reason, not a platform fault', async () => {
      const spec = conformanceSpec({ exit: 1, stderr: 'boom: the data is bad' });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      const exit = await exitOf(id);
      expect(exit.outcome).toBe('Failed');
      expect(exit.failureReason).toContain('boom: the data is bad');
      expect(exit.failureReason).toContain('exit code 1');
      expect(exit.platformFault).toBeFalsy();
    });

    it('an output bucket that does not exist fails the job when it uploads (ClientError), and is not created', async () => {
      // SageMaker never creates a job's output bucket: the job trains, then fails at upload.
      const bucket = `conformance-missing-${process.pid}`;
      const spec = conformanceSpec({ exit: 0 }, { outputPath: `s3://${bucket}/out` });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      const exit = await exitOf(id);
      expect(exit.outcome).toBe('Failed');
      expect(exit.failureReason).toBe(
        `ClientError: Artifact upload failed: unable to upload file to s3://${bucket}/out/${spec.name}/output/model.tar.gz (NoSuchBucket: the bucket '${bucket}' does not exist; Loam does not create output buckets: create it before the job uploads).`,
      );
      expect(exit.platformFault).toBeFalsy();
      expect(exit.modelArtifacts).toBeUndefined();
      expect((await artifacts.listBuckets()).map((b) => b.name)).not.toContain(bucket);
    });

    it('stop → Stopped (even when the job ignores SIGTERM); a second stop is a no-op; slots are freed', async () => {
      const spec = conformanceSpec({ exit: 0, sleepMs: 60_000, ignoreSigterm: true });
      const id = `training-job/${spec.name}`;
      await executor.start(id, spec);
      for (let i = 0; i < 200 && !(events.get(id) ?? []).some((e) => e.type === 'status' && e.status === 'Training'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(executor.used()).toBeGreaterThanOrEqual(1);
      const t0 = Date.now();
      await executor.stop(id);
      await executor.stop(id);
      const exit = await exitOf(id, target.stopWithinMs + 10_000);
      expect(Date.now() - t0).toBeLessThan(target.stopWithinMs);
      expect(exit.outcome).toBe('Stopped');
      expect((events.get(id) ?? []).filter((e) => e.type === 'exit')).toHaveLength(1);
      await executor.stop(id);
      expect(executor.used()).toBe(0);
    });

    it('reads logs of an unknown position as empty, and stopping an unknown job is a no-op', async () => {
      await expect(executor.stop('training-job/never-started')).resolves.toBeUndefined();
      const page = await executor.readLogs('training-job/never-started', { limit: 10 });
      expect(page.lines).toEqual([]);
    });
  });
}
