import { openAsBlob, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { readCredentialsProfile } from '@loam/cli';
import { removeDataDir, runLoam, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';

// What a user with real-sized data meets, through the built CLI and the SDK against a real `loam up`:
// answers that are paged must come whole, and a file sent must not be held in memory.
describe('large data through the CLI and the SDK, against a real server', () => {
  let dataDir: string;
  let loam: LoamProcess;
  let client: LoamClient;
  const loamCli = (...args: string[]) => runLoam(['--data-dir', dataDir, ...args]);

  beforeAll(async () => {
    dataDir = tempDataDir();
    loam = await startLoamProcess(dataDir);
    client = createLoamClient({ endpoint: loam.url, token: readCredentialsProfile(loam.info.credentialsFile)!['loam_api_token']! });
  });
  afterAll(async () => {
    await stopLoamProcess(loam);
    await removeDataDir(dataDir);
  });

  // CI's retry shares the server: it names what it creates anew (the failed attempt's names are taken).
  it('loam runs history prints every point of a metric, past the 25,000 of one page, in text and in JSON', async ({ task }) => {
    const { ExperimentId } = await client.CreateMlflowExperiment({ Name: nameForAttempt(task, 'long-history') });
    const { RunId } = (await client.CreateMlflowRun({ ExperimentId })).Run.Info;
    const n = 30_500;
    for (let b = 0; b < n; b += 1000) {
      const Metrics = Array.from({ length: Math.min(1000, n - b) }, (_, i) => ({ Key: 'loss', Value: 1 / (b + i + 1), Timestamp: 1_700_000_000_000 + b + i, Step: b + i }));
      await client.LogMlflowBatch({ RunId, Metrics });
    }
    const text = await loamCli('runs', 'history', RunId, 'loss');
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('STEP\tVALUE\tTIMESTAMP');
    expect(lines.length).toBe(n + 1);
    expect(lines.slice(1).map((l) => Number(l.split('\t')[0]))).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(lines[n]).toBe(`${n - 1}\t${1 / n}\t${new Date(1_700_000_000_000 + n - 1).toISOString()}`);

    const json = await loamCli('runs', 'history', RunId, 'loss', '--json');
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { Metrics: { Step: number; Value: number }[] };
    expect(Object.keys(doc)).toEqual(['Metrics']);
    expect(doc.Metrics.length).toBe(n);
    expect(doc.Metrics[n - 1]).toMatchObject({ Key: 'loss', Step: n - 1, Value: 1 / n });
    expect(json.stdout).toBe(`${JSON.stringify(doc, null, 2)}\n`);

    const none = await loamCli('runs', 'history', RunId, 'absent', '--json');
    expect([none.code, none.stdout]).toEqual([0, '{\n  "Metrics": []\n}\n']);
  }, 120_000);

  it('SDK uploadDatasetVersion sends a file Blob without holding it in memory', async ({ task }) => {
    const dataset = nameForAttempt(task, 'wide');
    // 64 MiB of CSV. Node's fetch kept the body for a redirect by teeing the Blob's stream, so every byte
    // sent stayed in memory until the answer (a 780 MB file: 900 MB of RSS in loam upload).
    const path = join(dataDir, 'wide.csv');
    const row = '0.123456,1.234567,2.345678,3.456789\n';
    const rows = Math.ceil((64 * 1024 * 1024) / row.length);
    writeFileSync(path, `a,b,c,d\n${row.repeat(rows)}`);
    const body = await openAsBlob(path);
    // What is retained, not garbage not yet collected: a full collection before each sample. Every 200 ms: what the
    // old SDK kept grew with each byte sent until the answer, so the last samples hold most of the file; a full
    // collection every 50 ms took the worker's time from the upload (its first attempt in CI ran out of time).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const sample = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 200);
    try {
      const v = await client.uploadDatasetVersion({ DatasetName: dataset, CreateDataset: true, Body: body, FileName: 'wide.csv' });
      expect(v).toMatchObject({ DatasetName: dataset, Version: 1, RowCount: rows, SourceBytes: body.size });
    } finally {
      clearInterval(sample);
    }
    expect(peak - base).toBeLessThan(body.size / 2);
  }, 120_000);
});
