import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobChannelSpec, JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

// What the runner stages is checked against hand-computed expectations: the fixture script prints,
// per host, every file of every channel, resourceconfig.json and SM_HOSTS.
let dir: string;
let artifacts: LocalFsArtifactStore;
let executor: LocalProcessExecutor;
const events = new Map<string, ExecutorEvent[]>();
const script = join(import.meta.dirname, '../../../../runtime/fixtures/scripts/contract_view.py');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loam-contract-'));
  artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
  await artifacts.ensureBucket('conformance');
  const put = (key: string, body: string | Buffer) => artifacts.put({ bucket: 'conformance', key }, Buffer.from(body));
  for (const k of ['a', 'b', 'c', 'd', 'e']) await put(`shard/${k}.txt`, `shard ${k}`);
  await put('full/all.txt', 'everyone');
  await put('gz/part.csv.gz', gzipSync('1,2\n3,4\n'));
  await put('m/x/1.txt', 'listed one');
  await put('m/y.txt', 'listed two');
  await put('m/z.txt', 'not in the manifest');
  await put('manifest.json', JSON.stringify([{ prefix: 's3://conformance/m/' }, 'x/1.txt', 'y.txt']));
  executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', stopGraceSeconds: 2, pollIntervalMs: 50, maxConcurrentJobs: 4, cgroups: false });
  executor.onEvent((id, e) => events.set(id, [...(events.get(id) ?? []), e]));
});
afterAll(async () => {
  await executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const channel = (name: string, s3Uri: string, over: Partial<JobChannelSpec> = {}): JobChannelSpec => ({ name, s3Uri, s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'File', recordWrapper: 'None', ...over });

async function run(spec: JobSpec): Promise<{ exits: (ExecutorEvent & { type: 'exit' })[]; views: Record<string, any> }> {
  const id = `training-job/${spec.name}`;
  await executor.start(id, spec);
  const t0 = Date.now();
  for (;;) {
    const exits = (events.get(id) ?? []).filter((e): e is ExecutorEvent & { type: 'exit' } => e.type === 'exit');
    if (exits.length === spec.instanceCount) {
      const lines = (await executor.readLogs(id, { limit: 1000 })).lines;
      const views = Object.fromEntries(lines.filter((l) => l.line.startsWith('VIEW ')).map((l) => [l.host, JSON.parse(l.line.slice(5))]));
      return { exits, views };
    }
    if (Date.now() - t0 > 40_000) throw new Error(`job ${id} did not end: ${JSON.stringify(events.get(id))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const viewSpec = (over: Partial<JobSpec>): JobSpec => conformanceSpec({ exit: 0 }, { image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: [script] }, metricDefinitions: [], ...over });

describe('the container contract as staged by the runner', () => {
  it('InstanceCount 2: hosts algo-1 and algo-2, resourceconfig.json and SM_HOSTS; ShardedByS3Key splits by key order; FullyReplicated, Gzip and ManifestFile channels', async () => {
    const spec = viewSpec({
      instanceCount: 2,
      channels: [
        channel('shard', 's3://conformance/shard/', { distribution: 'ShardedByS3Key' }),
        channel('full', 's3://conformance/full/'),
        channel('gz', 's3://conformance/gz/', { compression: 'Gzip' }),
        channel('manifest', 's3://conformance/manifest.json', { s3DataType: 'ManifestFile' }),
      ],
    });
    const { exits, views } = await run(spec);
    expect(exits.map((e) => e.outcome)).toEqual(['Completed', 'Completed']);
    expect(Object.keys(views).sort()).toEqual(['algo-1', 'algo-2']);
    for (const host of ['algo-1', 'algo-2']) {
      const v = views[host];
      expect(v.host).toBe(host);
      expect(v.sm_hosts).toEqual(['algo-1', 'algo-2']);
      expect(v.resourceconfig).toMatchObject({ current_host: host, hosts: ['algo-1', 'algo-2'], current_instance_type: 'ml.m5.large' });
      expect(v.channels.full).toEqual({ 'all.txt': 'everyone' });
      expect(v.channels.gz).toEqual({ 'part.csv': '1,2\n3,4\n' });
      expect(v.channels.manifest).toEqual({ 'x/1.txt': 'listed one', 'y.txt': 'listed two' });
    }
    // Five keys in order a..e: host 1 gets the 1st, 3rd, 5th; host 2 the 2nd and 4th; none twice.
    expect(views['algo-1'].channels.shard).toEqual({ 'a.txt': 'shard a', 'c.txt': 'shard c', 'e.txt': 'shard e' });
    expect(views['algo-2'].channels.shard).toEqual({ 'b.txt': 'shard b', 'd.txt': 'shard d' });
    // Only the first host stores the model.
    expect(exits.filter((e) => e.modelArtifacts).map((e) => e.host)).toEqual(['algo-1']);
  });

  it('a gzip channel whose object is not gzip fails the job as a ClientError', async () => {
    await artifacts.put({ bucket: 'conformance', key: 'notgz/plain.csv.gz' }, Buffer.from('plain text'));
    const { exits } = await run(viewSpec({ channels: [channel('train', 's3://conformance/notgz/', { compression: 'Gzip' })] }));
    expect(exits[0]?.outcome).toBe('Failed');
    expect(exits[0]?.failureReason).toBe("ClientError: Channel 'train': s3://conformance/notgz/plain.csv.gz is not gzip data (CompressionType is Gzip).");
  });

  it('checkpoints sync both ways: a second run of the job resumes from what the first one saved', async () => {
    const checkpoint = { s3Uri: 's3://conformance/ckpt/run-1' };
    const first = await run(viewSpec({ checkpoint, channels: [channel('full', 's3://conformance/full/')] }));
    expect(first.exits[0]?.outcome).toBe('Completed');
    expect(first.views['algo-1'].resumed_from).toBe(0);
    const saved = await artifacts.get({ bucket: 'conformance', key: 'ckpt/run-1/counter.txt' });
    const chunks: Buffer[] = [];
    for await (const c of saved.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('1');
    const second = await run(viewSpec({ checkpoint, channels: [channel('full', 's3://conformance/full/')] }));
    expect(second.views['algo-1'].resumed_from).toBe(1);
  });

  it('a CheckpointConfig is in input/config/checkpointconfig.json; files named .sagemaker-ignore stay out of the checkpoint S3Uri', async () => {
    const code = [
      'import os, shutil',
      "shutil.copy('/opt/ml/input/config/checkpointconfig.json', '/opt/ml/checkpoints/seen.json')",
      "open('/opt/ml/checkpoints/half.sagemaker-ignore', 'w').write('temp')",
      "os.makedirs('/opt/ml/checkpoints/.sagemaker-ignore')",
      "open('/opt/ml/checkpoints/.sagemaker-ignore/part', 'w').write('temp')",
    ].join('\n');
    const spec = conformanceSpec({ exit: 0 }, { image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: ['-c', code] }, metricDefinitions: [], channels: [channel('full', 's3://conformance/full/')], checkpoint: { s3Uri: 's3://conformance/ckpt/ignore' } });
    const result = await run(spec);
    expect(result.exits[0]?.failureReason).toBeUndefined();
    const listed = await artifacts.list({ bucket: 'conformance', prefix: 'ckpt/ignore/' });
    expect(listed.objects.map((o) => o.key)).toEqual(['ckpt/ignore/seen.json']);
    const seen = await artifacts.get({ bucket: 'conformance', key: 'ckpt/ignore/seen.json' });
    const chunks: Buffer[] = [];
    for await (const c of seen.body) chunks.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ LocalPath: '/opt/ml/checkpoints', S3Uri: 's3://conformance/ckpt/ignore' });
  });

  it('a checkpoint the image deletes is deleted from the checkpoint S3Uri too, as in SageMaker', async () => {
    const job = (code: string) => conformanceSpec({ exit: 0 }, { image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: ['-c', code] }, metricDefinitions: [], channels: [channel('full', 's3://conformance/full/')], checkpoint: { s3Uri: 's3://conformance/ckpt/deletes' } });
    const keys = async () => (await artifacts.list({ bucket: 'conformance', prefix: 'ckpt/deletes/' })).objects.map((o) => o.key);
    expect((await run(job("for n in ('a', 'b'): open('/opt/ml/checkpoints/' + n, 'w').write(n)"))).exits[0]?.failureReason).toBeUndefined();
    expect(await keys()).toEqual(['ckpt/deletes/a', 'ckpt/deletes/b']);
    // The next job finds both restored, keeps the newer only.
    expect((await run(job("import os\nassert sorted(os.listdir('/opt/ml/checkpoints')) == ['a', 'b']\nos.remove('/opt/ml/checkpoints/a')"))).exits[0]?.failureReason).toBeUndefined();
    expect(await keys()).toEqual(['ckpt/deletes/b']);
  });

  it('scripts that hard-code /opt/ml/... find their own job there, even with two jobs running at once', async () => {
    const code = [
      'import json, os, time',
      "hp = json.load(open('/opt/ml/input/config/hyperparameters.json'))",
      "data = open('/opt/ml/input/data/full/all.txt').read()",
      'time.sleep(1)',
      "open('/opt/ml/model/hard.txt', 'w').write(' '.join([hp['lr'], data, os.environ['TRAINING_JOB_NAME']]))",
    ].join('\n');
    const specs = [0, 1].map(() => conformanceSpec({ exit: 0 }, { image: { type: 'process', name: 'py', uri: 'py', command: '/usr/bin/python3', args: ['-c', code] }, metricDefinitions: [], channels: [channel('full', 's3://conformance/full/')] }));
    const results = await Promise.all(specs.map((s) => run(s)));
    for (const [i, spec] of specs.entries()) {
      const exit = results[i]?.exits[0];
      expect(exit?.failureReason).toBeUndefined();
      const obj = await artifacts.get({ bucket: 'conformance', key: `out/${spec.name}/output/model.tar.gz` });
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(c as Buffer);
      // System tar, an independent reader of the archive.
      const tar = spawnSync('tar', ['-xzOf', '-', 'hard.txt'], { input: Buffer.concat(chunks) });
      expect(tar.stdout.toString()).toBe(`0.1 everyone ${spec.name}`);
    }
    // The machine's own /opt/ml is only the empty mount point: nothing leaked out of the namespaces.
    expect(readdirSync('/opt/ml')).toEqual([]);
  });
});
