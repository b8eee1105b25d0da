/**
 * Batch transform throughput: 1,000,000 CSV rows (20 features) through the built-in GBDT (100 trees,
 * depth 6) as a real transform job (`loam up` in this process, the job on the local executor through
 * the runner, the batch driver and the built-in model server), against calling the same model's
 * `predict` in process on the same rows. Both sides back to back, REPS times; prints one JSON line per
 * measurement and a summary with ratios of minima.
 *   npx tsx --conditions=loam-src bench/transform/transform-bench.ts [REPS=3] [ROWS=1000000]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { createMatrix, type DenseMatrix } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { startLoam } from '@loam/server';

const reps = Number(process.argv[2] ?? 3);
const rows = Number(process.argv[3] ?? 1_000_000);
const cols = 20;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, loadavg: loadavg() })}\n`);

// Deterministic data: x in [0,1) with 4 decimals; y = 1 when x0 + x1 + x2·x3 > 1.2.
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const lines: string[] = new Array(rows);
for (let i = 0; i < rows; i++) {
  const r: string[] = new Array(cols);
  for (let j = 0; j < cols; j++) r[j] = (Math.round(rand() * 1e4) / 1e4).toString();
  lines[i] = r.join(',');
}
const csvText = `${lines.join('\n')}\n`;
lines.length = 0;

function parse(text: string): DenseMatrix {
  const m = createMatrix(rows, cols);
  let pos = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const end = text.indexOf(j === cols - 1 ? '\n' : ',', pos);
      m.data[j * rows + i] = Number(text.slice(pos, end));
      pos = end + 1;
    }
  }
  return m;
}

const trainRows = 20_000;
const tx = createMatrix(trainRows, cols);
const ty = new Float64Array(trainRows);
for (let i = 0; i < trainRows; i++) {
  const v = Array.from({ length: cols }, () => rand());
  v.forEach((x, j) => (tx.data[j * trainRows + i] = x));
  ty[i] = (v[0] as number) + (v[1] as number) + (v[2] as number) * (v[3] as number) > 1.2 ? 1 : 0;
}
const model = await trainGbdt({ x: tx, y: ty }, { num_round: 100, max_depth: 6, eta: 0.1, objective: 'binary:logistic' });

const dataDir = mkdtempSync(join(tmpdir(), 'loam-bench-transform-'));
const loam = await startLoam({ flags: { dataDir, port: 0 }, env: { LOAM_LOG__LEVEL: 'warn' } });
const token = (readFileSync(loam.credentialsFile, 'utf8').match(/loam_api_token\s*=\s*(\S+)/) ?? [])[1] as string;
const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${loam.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<Record<string, any>>;
};
try {
  const work = mkdtempSync(join(tmpdir(), 'loam-bench-model-'));
  writeFileSync(join(work, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
  await tar.c({ gzip: true, cwd: work, file: join(work, 'model.tar.gz') }, ['loam-model.json']);
  await loam.platform.artifacts.ensureBucket('bench');
  await loam.platform.artifacts.put({ bucket: 'bench', key: 'transform/model.tar.gz' }, readFileSync(join(work, 'model.tar.gz')));
  await loam.platform.artifacts.put({ bucket: 'bench', key: 'transform/in/rows.csv' }, Buffer.from(csvText));
  rmSync(work, { recursive: true, force: true });
  await api('POST', '/api/v1/models', { ModelName: 'bench-gbdt', PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://bench/transform/model.tar.gz' } });

  const inProcess: number[] = [];
  const parseAndPredict: number[] = [];
  const job: number[] = [];
  const phase: number[] = [];
  let reference: Float64Array | undefined;
  for (let rep = 0; rep < reps; rep++) {
    // In process: predict on the parsed matrix (and, separately, parse + predict from the same text).
    let t0 = performance.now();
    const m = parse(csvText);
    const t1 = performance.now();
    reference = model.predict(m);
    const t2 = performance.now();
    inProcess.push((t2 - t1) / 1000);
    parseAndPredict.push((t2 - t0) / 1000);
    emit({ side: 'in-process predict', rep, seconds: (t2 - t1) / 1000, rowsPerSecond: rows / ((t2 - t1) / 1000), parseSeconds: (t1 - t0) / 1000 });

    // The transform job, end to end: CreateTransformJob → Completed (staging, model server start included).
    const name = `bench-${rep}`;
    t0 = performance.now();
    await api('POST', '/api/v1/transform-jobs', {
      TransformJobName: name, ModelName: 'bench-gbdt',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bench/transform/in/' } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: `s3://bench/transform/out/${name}`, Accept: 'text/csv', AssembleWith: 'Line' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 }, BatchStrategy: 'MultiRecord', MaxPayloadInMB: 6, MaxConcurrentTransforms: 2,
    });
    let d: Record<string, any>;
    for (;;) {
      d = await api('GET', `/api/v1/transform-jobs/${name}`);
      if (['Completed', 'Failed', 'Stopped'].includes(d['TransformJobStatus'])) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    if (d['TransformJobStatus'] !== 'Completed') throw new Error(`${name}: ${d['TransformJobStatus']} ${d['FailureReason'] ?? ''}`);
    job.push(seconds);
    const out = Buffer.from(await (await loam.platform.artifacts.get({ bucket: 'bench', key: `transform/out/${name}/rows.csv.out` })).body.toArray().then((c) => Buffer.concat(c as Buffer[]))).toString('utf8').trimEnd().split('\n');
    if (out.length !== rows) throw new Error(`${name}: ${out.length} output lines for ${rows} rows`);
    let maxDiff = 0;
    for (let i = 0; i < rows; i += 997) maxDiff = Math.max(maxDiff, Math.abs(Number(out[i]) - (reference[i] as number)));
    // The transform phase alone: from the driver's first line (model servers up) to its file done.
    const logs = await loam.platform.jobs.executor.readLogs(`transform-job/${name}`, { limit: 10_000 });
    const at = (re: RegExp) => logs.lines.find((l) => re.test(l.line))?.time;
    const began = at(/^Batch strategy/);
    const ended = at(/^Transformed rows\.csv/);
    const transformSeconds = began !== undefined && ended !== undefined ? (ended - began) / 1000 : undefined;
    if (transformSeconds !== undefined) phase.push(transformSeconds);
    emit({ side: 'transform job', rep, seconds, rowsPerSecond: rows / seconds, jobSeconds: (d['TransformEndTime'] as number) - (d['TransformStartTime'] as number), transformSeconds, maxAbsDiffVsInProcess: maxDiff });
    // Where the rest of the job's time goes: its log lines, in seconds from CreateTransformJob.
    const created = (d['CreationTime'] as number) * 1000;
    if (rep === 0) emit({ side: 'transform job timeline', rep, lines: logs.lines.map((l) => `${((l.time - created) / 1000).toFixed(2)} ${l.line.slice(0, 90)}`), endSeconds: (d['TransformEndTime'] as number) - (d['CreationTime'] as number) });
  }
  const min = (a: number[]) => Math.min(...a);
  emit({
    summary: true, rows, cols, trees: 100, depth: 6,
    inProcessPredictRowsPerSecond: rows / min(inProcess), inProcessParsePredictRowsPerSecond: rows / min(parseAndPredict), transformRowsPerSecond: rows / min(job),
    ratioVsPredict: min(inProcess) / min(job), ratioVsParsePredict: min(parseAndPredict) / min(job),
    transformPhaseRowsPerSecond: phase.length ? rows / min(phase) : undefined, phaseRatioVsPredict: phase.length ? min(inProcess) / min(phase) : undefined,
  });
} finally {
  await loam.close();
  rmSync(dataDir, { recursive: true, force: true });
}
