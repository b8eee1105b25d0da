import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobChannelSpec } from '@loam/contracts';
import type { Artifacts } from './artifacts.js';
import { PipeInputs } from './pipe-channels.js';

// PipeInputs against an artifact store that fails the way a remote one does (a reset connection, an abort),
// read by a real `cat` of the FIFO: what the image sees when the store, not the image, breaks an epoch.

const channel: JobChannelSpec = {
  name: 'train', s3Uri: 's3://data/t/', s3DataType: 'S3Prefix', distribution: 'FullyReplicated', compression: 'None', inputMode: 'Pipe', recordWrapper: 'None',
};
const planned = [{ bucket: 'data', key: 't/a', rel: 'a' }, { bucket: 'data', key: 't/b', rel: 'b' }];

let dirs: string[] = [];
let open: PipeInputs[] = [];
afterEach(() => {
  for (const p of open) p.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  open = [];
});

/** Starts PipeInputs over `get` and a `cat` reading train_0; resolves once `cat` has read to EOF. */
function start(get: (ref: { key: string }, opts: { signal?: AbortSignal; range?: { start: number; end?: number } }) => Promise<{ body: Readable; info?: { etag: string } }>, signal?: AbortSignal, spec: JobChannelSpec = channel, objects = planned) {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-pipe-channels-'));
  dirs.push(dataDir);
  const logs: string[] = [];
  const errors: Error[] = [];
  const pipes = new PipeInputs({
    store: { get } as unknown as Artifacts, channels: [{ channel: spec, planned: objects }], host: { index: 0, count: 1 }, dataDir, pollMs: 10,
    log: (l) => logs.push(l), onError: (e) => errors.push(e), ...(signal ? { signal } : {}),
  });
  open.push(pipes);
  const cat = spawn('cat', [join(dataDir, 'train_0')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  cat.stdout.on('data', (c: Buffer) => chunks.push(c));
  const read = new Promise<string>((resolve) => cat.on('close', () => resolve(Buffer.concat(chunks).toString())));
  return { dataDir, logs, errors, read, cat };
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('PipeInputs when the artifact store fails mid-epoch', () => {
  it('fails the job naming the object when the store resets the connection, not as if the image had closed the FIFO', async () => {
    const t = start(async ({ key }) => {
      if (key === 't/a') return { body: Readable.from([Buffer.from('a-data\n')]) };
      // The store's connection is reset part-way through the second object (an S3 body: read ECONNRESET).
      const body = new Readable({ read() {} });
      body.push('b-part');
      setTimeout(() => body.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 20);
      return { body };
    });
    await t.read;
    await waitFor(() => t.errors.length > 0);
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Channel 'train': reading s3:\/\/data\/t\/b failed: read ECONNRESET/)]);
    // A truncated epoch is not passed off as a whole one: no next epoch, no "the image closed" line.
    expect(t.logs.join('\n')).not.toMatch(/the image closed/);
    expect(existsSync(join(t.dataDir, 'train_1'))).toBe(false);
  });

  it('reports no failure when the job is stopped while a writer waits for the store', async () => {
    const abort = new AbortController();
    let asked = false;
    const t = start(async (_ref, { signal }) => {
      asked = true;
      // A remote store answers an aborted request with an AbortError.
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }))));
    }, abort.signal);
    await waitFor(() => asked);
    abort.abort();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.errors).toEqual([]);
    t.cat.kill();
  });
});

describe('PipeInputs with RecordWrapperType RecordIO', () => {
  it('streams a record: its first bytes reach the reader while the object is still being read, never held whole', async () => {
    const chunk = 64 * 1024;
    const size = 256 * chunk; // 16 MiB
    const piece = Buffer.alloc(chunk, 0x61);
    const pulled: number[] = [];
    const t = start(async () => {
      const i = pulled.push(0) - 1;
      return {
        body: Readable.from((function* () {
          for (let n = 0; n < size / chunk; n++) {
            pulled[i] = (pulled[i] as number) + chunk;
            yield piece;
          }
        })()),
      };
    }, undefined, { ...channel, recordWrapper: 'RecordIO' }, [{ bucket: 'data', key: 't/big', rel: 'big' }]);
    const first = await new Promise<{ head: Buffer; pulled: number[] }>((resolve) => {
      t.cat.stdout?.once('data', (c: Buffer) => {
        t.cat.stdout?.pause();
        resolve({ head: c.subarray(0, 8), pulled: [...pulled] });
      });
    });
    // The record's header names all 16 MiB in one part (cflag 0): the length is known before the data is read.
    expect(first.head.readUInt32LE(0)).toBe(0xced7230a);
    expect(first.head.readUInt32LE(4)).toBe(size);
    // One read found the length; the data read had given a small part of the object when the reader got its first bytes.
    expect(first.pulled.some((n) => n < size / 4), JSON.stringify(first.pulled)).toBe(true);
    t.cat.kill();
    expect(t.errors).toEqual([]);
  });

  it('gets each object once when its record fits in memory, as the single read it was', async () => {
    const gets: string[] = [];
    const t = start(async ({ key }) => {
      gets.push(key);
      return { body: Readable.from([Buffer.from(key === 't/a' ? 'aaaa' : 'bb')]) };
    }, undefined, { ...channel, recordWrapper: 'RecordIO' });
    const read = Buffer.from(await t.read, 'latin1');
    expect(read.readUInt32LE(4)).toBe(4);
    expect(read.subarray(8, 12).toString()).toBe('aaaa');
    expect(read.readUInt32LE(16)).toBe(2);
    expect(read.subarray(20, 22).toString()).toBe('bb');
    expect(gets).toEqual(['t/a', 't/b']);
    expect(t.errors).toEqual([]);
  });

  it('fails the job naming the object when it is replaced between its two reads (another ETag)', async () => {
    const size = 8 * 1024 * 1024; // over what one read holds: its part is read again
    let gets = 0;
    const t = start(async () => {
      const etag = `"v${++gets}"`;
      return { info: { etag }, body: Readable.from((function* () {
        for (let n = 0; n < size / 65536; n++) yield Buffer.alloc(65536, 0x61);
      })()) };
    }, undefined, { ...channel, recordWrapper: 'RecordIO' }, [{ bucket: 'data', key: 't/big', rel: 'big' }]);
    await t.read;
    await waitFor(() => t.errors.length > 0);
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Channel 'train': reading s3:\/\/data\/t\/big failed: .*changed/)]);
  });

  it.each([['None', 'None'], ['RecordIO', 'None'], ['RecordIO', 'Gzip']] as const)('lets go of an object it is still reading when the image ends (RecordWrapperType %s, CompressionType %s)', async (recordWrapper, compression) => {
    const bodies: Readable[] = [];
    const t = start(async () => {
      // A body that sent its first bytes and then nothing (a large object on a slow link, a stalled backend).
      const body = new Readable({ read() {} });
      body.push(compression === 'Gzip' ? gzipSync(randomBytes(65536)).subarray(0, 4096) : Buffer.alloc(1024, 0x61));
      bodies.push(body);
      return { body };
    }, undefined, { ...channel, recordWrapper, compression }, [{ bucket: 'data', key: 't/slow', rel: 'slow' }]);
    await waitFor(() => bodies.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    (open[open.length - 1] as PipeInputs).close();
    await waitFor(() => bodies.every((b) => b.destroyed));
    expect(bodies.map((b) => b.destroyed)).toEqual(bodies.map(() => true));
    expect(t.errors).toEqual([]);
    t.cat.kill();
  });
});
