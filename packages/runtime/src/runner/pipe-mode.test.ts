import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobChannelSpec, JobSpec, RunnerInput } from '@loam/contracts';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { detectSandbox, loamPaths } from '@loam/adapters/executors/local/sandbox';
import type { Artifacts } from './artifacts.js';
import { runJob } from './run-job.js';
import { epochSeed, hostObjects, seededShuffle } from './stage-inputs.js';

// SageMaker's Pipe input mode for a script-mode image: the channel's objects stream through the FIFOs
// /opt/ml/input/data/<channel>_<epoch>, one epoch after another. Real runner, real FIFOs, real Python.

const root = mkdtempSync(join(tmpdir(), 'loam-pipe-mode-'));
const artifacts = { type: 'local', root: join(root, 'store') };
let store: Artifacts;
const obj = (i: number) => `obj-${String(i).padStart(2, '0')}`;

beforeAll(async () => {
  store = await openArtifactStore(artifacts as never);
  await store.ensureBucket('data');
  for (let i = 0; i < 8; i++) await store.put({ bucket: 'data', key: `train/${obj(i)}.txt` }, Buffer.from(`${obj(i)}\n`));
  await store.put({ bucket: 'data', key: 'extra/x.txt' }, Buffer.from('never read\n'));
  // Larger than a pipe's buffer (64 KiB): the writer is still busy with epoch 0 while the image swaps things around.
  for (let i = 0; i < 3; i++) await store.put({ bucket: 'data', key: `big/${i}.bin` }, Buffer.alloc(100_000, 97 + i));
  await store.put({ bucket: 'data', key: 'gz/a.csv.gz' }, gzipSync('1,2,3\n'));
  await store.put({ bucket: 'data', key: 'gz/b.csv.gz' }, gzipSync('4,5,6\n'));
  await store.put({ bucket: 'data', key: 'notgz/a.csv' }, Buffer.from('plain text, not gzip\n'));
  // The second object holds RecordIO's magic word at an aligned offset: the record is cut there (dmlc-core).
  await store.put({ bucket: 'data', key: 'rec/a' }, Buffer.from('hello'));
  await store.put({ bucket: 'data', key: 'rec/b' }, Buffer.concat([Buffer.from('abcd'), Buffer.from([0x0a, 0x23, 0xd7, 0xce]), Buffer.from('xyz')]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const channel = (name: string, prefix: string, over: Partial<JobChannelSpec> = {}): JobChannelSpec => ({
  name, s3Uri: `s3://data/${prefix}/`, s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'Pipe', recordWrapper: 'None', ...over,
});

/** The prelude every program shares: the FIFO of an epoch, as a SageMaker script finds it. */
const prelude = [
  'import json, os, sys, time',
  "def fifo(channel, epoch):",
  "    return os.environ['SM_CHANNEL_' + channel.upper()] + '_' + str(epoch)",
  "def read(channel, epoch):",
  "    with open(fifo(channel, epoch), 'rb') as f:",
  '        return f.read()',
  "model = os.environ['SM_MODEL_DIR']",
].join('\n');

let n = 0;
/** Runs a script-mode training job whose train.py is `program` (after the prelude); returns its work dir and outcome. */
async function runScript(program: string, channels: JobChannelSpec[], sandbox: 'off' | undefined, opts: { stopWhen?: (workDir: string) => boolean } = {}): Promise<{ workDir: string; exit: { outcome: string; failureReason?: string }; log: string; seconds: number }> {
  const id = ++n;
  const src = join(root, `src-${id}`);
  mkdirSync(src);
  writeFileSync(join(src, 'train.py'), `${prelude}\n${program}\n`);
  execFileSync('tar', ['-czf', join(root, `src-${id}.tar.gz`), '-C', src, 'train.py']);
  await store.put({ bucket: 'data', key: `code/${id}/sourcedir.tar.gz` }, readFileSync(join(root, `src-${id}.tar.gz`)));
  const name = `pipe-${process.pid}-${id}`;
  const spec: JobSpec = {
    kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`, region: 'us-east-1',
    image: { type: 'script', framework: 'sklearn', uri: 'sagemaker-scikit-learn:1.2-1-cpu-py3' },
    hyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: `s3://data/code/${id}/sourcedir.tar.gz` },
    environment: {}, channels, outputs: [], outputPath: 's3://data/out', instanceType: 'ml.m5.large', instanceCount: 1, volumeSizeInGB: 1,
    vcpus: 1, memoryMiB: 1024, maxRuntimeSeconds: 120, networkIsolation: false, metricDefinitions: [],
  };
  const jobDir = mkdtempSync(join(root, 'job-'));
  const workDir = join(jobDir, 'algo-1');
  const input: RunnerInput = {
    spec, currentHost: 'algo-1', hosts: ['algo-1'], workDir, logFile: join(jobDir, 'logs.jsonl'), artifacts, python: '/usr/bin/python3', stopGraceSeconds: 2,
    ...(sandbox ? { sandbox } : {}),
  };
  // runJob is a process's main: it listens for SIGTERM/SIGINT, which this test's worker must not keep.
  const signals = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const started = Date.now();
  try {
    let ended = false;
    const run = runJob(input).finally(() => (ended = true));
    if (opts.stopWhen) {
      // StopTrainingJob: the executor sends the runner SIGTERM, which reaches runJob's own listener.
      while (!ended && !opts.stopWhen(workDir)) await new Promise((r) => setTimeout(r, 50));
      for (const l of process.listeners('SIGTERM')) if (!signals.SIGTERM.includes(l)) (l as () => void)();
    }
    await run;
  } finally {
    for (const [sig, kept] of Object.entries(signals)) {
      for (const l of process.listeners(sig as NodeJS.Signals)) if (!kept.includes(l)) process.removeListener(sig, l);
    }
  }
  const events = readFileSync(join(workDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; outcome: string; failureReason?: string });
  const log = existsSync(input.logFile) ? readFileSync(input.logFile, 'utf8') : '';
  return { workDir, exit: events.filter((e) => e.type === 'exit').at(-1) as { outcome: string; failureReason?: string }, log, seconds: (Date.now() - started) / 1000 };
}

const modelFile = (workDir: string, file: string) => readFileSync(join(workDir, 'opt', 'ml', 'model', file));
const dataDir = (workDir: string) => join(workDir, 'opt', 'ml', 'input', 'data');
const sandboxed = detectSandbox(join(root), loamPaths('/usr/bin/python3'), '/usr/bin/python3').kind === 'sandbox';
// Without the sandbox the image runs as Loam's own user; with it (root, Linux) as a uid of its own that owns /opt/ml.
const modes: ['off' | undefined, string][] = [['off', 'without a sandbox'], ...(sandboxed ? [[undefined, 'in the sandbox'] as ['off' | undefined, string]] : [])];

describe.each(modes)('Pipe mode (%s → %s)', (sandbox) => {
  it('streams the channel through train_0, train_1, … in key order, and writes Pipe in inputdataconfig.json', async () => {
    const r = await runScript([
      "open(os.path.join(model, 'e0'), 'wb').write(read('train', 0))",
      "open(os.path.join(model, 'e1'), 'wb').write(read('train', 1))",
      "cfg = json.load(open(os.path.join(os.environ['SM_INPUT_CONFIG_DIR'], 'inputdataconfig.json')))",
      "json.dump({'cfg': cfg, 'channel': os.environ['SM_CHANNEL_TRAIN'], 'isdir': os.path.isdir(os.environ['SM_CHANNEL_TRAIN'])}, open(os.path.join(model, 'env.json'), 'w'))",
    ].join('\n'), [channel('train', 'train')], sandbox);
    expect(r.exit, r.log).toMatchObject({ outcome: 'Completed' });
    const all = Array.from({ length: 8 }, (_, i) => `${obj(i)}\n`).join('');
    expect(modelFile(r.workDir, 'e0').toString()).toBe(all);
    expect(modelFile(r.workDir, 'e1').toString()).toBe(all);
    const env = JSON.parse(modelFile(r.workDir, 'env.json').toString()) as { cfg: Record<string, { TrainingInputMode: string }>; channel: string; isdir: boolean };
    expect(env.cfg['train']?.TrainingInputMode).toBe('Pipe');
    // As the training toolkit sets it: the channel's folder name, whatever the mode.
    expect(env.channel).toMatch(/\/input\/data\/train$/);
    // The FIFOs are gone once the job ends.
    expect(readdirSync(dataDir(r.workDir)).filter((f) => f.startsWith('train_'))).toEqual([]);
  }, 60_000);

  it('reshuffles a channel with ShuffleConfig every epoch, the same way on every run', async () => {
    const program = [
      'out = [read("train", e).decode().split() for e in range(3)]',
      "json.dump(out, open(os.path.join(model, 'epochs.json'), 'w'))",
    ].join('\n');
    const seed = 1234567;
    const c = channel('train', 'train', { shuffleSeed: seed });
    const first = await runScript(program, [c], sandbox);
    const second = await runScript(program, [c], sandbox);
    expect(first.exit, first.log).toMatchObject({ outcome: 'Completed' });
    expect(second.exit, second.log).toMatchObject({ outcome: 'Completed' });
    const a = JSON.parse(modelFile(first.workDir, 'epochs.json').toString()) as string[][];
    const b = JSON.parse(modelFile(second.workDir, 'epochs.json').toString()) as string[][];
    expect(b).toEqual(a);
    const keys = Array.from({ length: 8 }, (_, i) => obj(i));
    for (const epoch of a) expect([...epoch].sort()).toEqual(keys);
    // Epoch 0 is File mode's order for the seed; the next epochs are other orders.
    expect(a[0]).toEqual(seededShuffle(keys, seed));
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
  }, 60_000);

  it('ends promptly when the image reads only epoch 0 of one channel and never opens another', async () => {
    const r = await runScript("open(os.path.join(model, 'e0'), 'wb').write(read('train', 0))", [channel('train', 'train'), channel('extra', 'extra')], sandbox);
    expect(r.exit, r.log).toMatchObject({ outcome: 'Completed' });
    expect(modelFile(r.workDir, 'e0').toString()).toContain(obj(7));
    // Python's start and a model upload: seconds, not a writer waiting for a reader that never comes.
    expect(r.seconds).toBeLessThan(30);
    expect(readdirSync(dataDir(r.workDir)).filter((f) => /_\d+$/.test(f))).toEqual([]);
  }, 60_000);

  it('stops promptly on StopTrainingJob while one writer is blocked on a full FIFO and another waits for a reader', async () => {
    // big_0 is read a little (its writer blocks on the full pipe), extra_0 is never opened (its writer polls);
    // the image ignores SIGTERM, so only the grace period's SIGKILL ends it.
    const r = await runScript([
      'import signal',
      'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      "f = open(fifo('big', 0), 'rb')",
      'f.read(10)',
      "open(os.path.join(model, 'reading'), 'w').close()",
      'time.sleep(600)',
    ].join('\n'), [channel('big', 'big'), channel('extra', 'extra')], sandbox, { stopWhen: (w) => existsSync(join(w, 'opt', 'ml', 'model', 'reading')) });
    expect(r.exit, r.log).toMatchObject({ outcome: 'Stopped' });
    // Python's start, the 2 s grace and the model upload: not a writer holding the job's end until MaxRuntimeInSeconds (120 s).
    expect(r.seconds).toBeLessThan(60);
    // The stop is not a Pipe-mode failure, nor reported as one.
    expect(r.log).not.toMatch(/Pipe mode: .*(abort|Stopping the image)/i);
    expect(readdirSync(dataDir(r.workDir)).filter((f) => /_\d+$/.test(f))).toEqual([]);
  }, 100_000);

  it('never writes through a link the image put in place of a FIFO, nor makes FIFOs where a swapped data directory points', async () => {
    const victim = join(root, `victim-${n}.txt`);
    writeFileSync(victim, 'host file\n');
    const hostDir = mkdtempSync(join(root, 'host-dir-'));
    const r = await runScript([
      // Epoch 0 is larger than the pipe's buffer: the runner is still writing it while the image moves the data directory away…
      "data = os.path.dirname(fifo('big', 0))",
      "f = open(fifo('big', 0), 'rb')",
      'head = f.read(10)',
      "os.rename(data, data + '-moved')",
      `os.symlink(${JSON.stringify(hostDir)}, data)`,
      'rest = f.read()',
      'f.close()',
      // … and once epoch 0 ended (big_1 was made in the moved directory), puts a link to a host file in place of big_1.
      "moved = data + '-moved'",
      "made = os.path.exists(os.path.join(moved, 'big_1'))",
      "os.unlink(os.path.join(moved, 'big_1'))",
      `os.symlink(${JSON.stringify(victim)}, os.path.join(moved, 'big_1'))`,
      'time.sleep(1)',
      "json.dump({'n': len(head) + len(rest), 'made': made}, open(os.path.join(model, 'r.json'), 'w'))",
    ].join('\n'), [channel('big', 'big')], sandbox);
    expect(r.exit, r.log).toMatchObject({ outcome: 'Completed' });
    expect(JSON.parse(modelFile(r.workDir, 'r.json').toString())).toEqual({ n: 300_000, made: true });
    expect(readFileSync(victim, 'utf8')).toBe('host file\n');
    expect(readdirSync(hostDir)).toEqual([]);
    expect(r.log).toMatch(/big_1 gets no data: it is no longer the FIFO Loam made/);
  }, 60_000);

  it('decompresses a Gzip channel, and fails the job naming an object that is not gzip', async () => {
    const program = "open(os.path.join(model, 'e0'), 'wb').write(read('train', 0))";
    const ok = await runScript(program, [channel('train', 'gz', { compression: 'Gzip' })], sandbox);
    expect(ok.exit, ok.log).toMatchObject({ outcome: 'Completed' });
    expect(modelFile(ok.workDir, 'e0').toString()).toBe('1,2,3\n4,5,6\n');
    const bad = await runScript(`${program}\ntime.sleep(30)`, [channel('train', 'notgz', { compression: 'Gzip' })], sandbox);
    expect(bad.exit).toMatchObject({ outcome: 'Failed' });
    expect(bad.exit.failureReason).toMatch(/^ClientError: Channel 'train': s3:\/\/data\/notgz\/a\.csv is not gzip data/);
    // The image was stopped, not waited for.
    expect(bad.seconds).toBeLessThan(30);
  }, 60_000);

  it('wraps each object as one RecordIO record (RecordWrapperType RecordIO), cut where the magic word occurs', async () => {
    // An independent reader of dmlc-core's format, as MXNet's MXRecordIO reads it.
    const r = await runScript([
      'import struct',
      "data = read('train', 0)",
      'records, parts, i = [], [], 0',
      'while i < len(data):',
      "    magic, lrec = struct.unpack('<II', data[i:i + 8])",
      '    assert magic == 0xced7230a, hex(magic)',
      '    cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)',
      '    parts.append(data[i + 8:i + 8 + length])',
      '    i += 8 + ((length + 3) // 4) * 4',
      '    if cflag in (0, 3):',
      "        records.append(struct.pack('<I', 0xced7230a).join(parts).decode('latin-1'))",
      '        parts = []',
      "json.dump({'records': records, 'size': len(data)}, open(os.path.join(model, 'r.json'), 'w'))",
    ].join('\n'), [channel('train', 'rec', { recordWrapper: 'RecordIO' })], sandbox);
    expect(r.exit, r.log).toMatchObject({ outcome: 'Completed' });
    const got = JSON.parse(modelFile(r.workDir, 'r.json').toString()) as { records: string[]; size: number };
    expect(got.records).toEqual(['hello', Buffer.concat([Buffer.from('abcd'), Buffer.from([0x0a, 0x23, 0xd7, 0xce]), Buffer.from('xyz')]).toString('latin1')]);
    // hello: 8 + 5 + 3 padding; the second: two parts, 8 + 4 and 8 + 3 + 1 padding.
    expect(got.size).toBe(16 + 12 + 12);
  }, 60_000);
});

describe('Pipe mode epochs and shards', () => {
  it('deals ShardedByS3Key anew every epoch: each epoch the hosts hold every object once', () => {
    const planned = Array.from({ length: 10 }, (_, i) => ({ bucket: 'data', key: `k${i}`, rel: `k${i}` }));
    const c = channel('train', 'train', { distribution: 'ShardedByS3Key', shuffleSeed: 42 });
    const deals = [0, 1].map((epoch) => [0, 1, 2].map((index) => hostObjects(planned, c, { index, count: 3 }, epochSeed(42, epoch)).map((p) => p.key)));
    for (const deal of deals) expect(deal.flat().sort()).toEqual(planned.map((p) => p.key).sort());
    expect(deals[1]).not.toEqual(deals[0]);
    expect(epochSeed(42, 0)).toBe(42n);
  });
});
