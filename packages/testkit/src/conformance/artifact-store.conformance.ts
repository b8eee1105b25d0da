import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore, ObjectInfo } from '@loam/core';
import { TRAVERSAL_BUCKETS, TRAVERSAL_CASES } from './traversal-cases.js';
import { seededRandom } from '../random/seeded-random.js';

/** What `open` hands the suite: a fresh, empty store. */
export interface ArtifactStoreTarget {
  readonly store: ArtifactStore;
  /**
   * Filesystem-backed stores: a directory that holds the store's root. The suite plants
   * `<sandbox>/loam-canary` there and checks that hostile calls change nothing anywhere under it.
   */
  readonly sandbox?: string;
  readonly close?: () => Promise<void>;
}

export interface ArtifactStoreConformanceOptions {
  readonly open: () => Promise<ArtifactStoreTarget>;
  /** A reason to skip the whole suite, or test name → reason for single tests. Reasons are printed. */
  readonly skip?: string | Readonly<Record<string, string>>;
  /** Whether the backend assigns ETags itself (S3), so `PutOptions.etag` is not kept. */
  readonly backendAssignsEtags?: boolean;
}

const BUCKET = 'conformance-bucket';
const MiB = 1024 * 1024;
const enc = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ref = (key: string) => ({ bucket: BUCKET, key });

async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

/** Resolves to the error's code (tests compare codes, never classes across packages). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { code?: unknown }).code ?? (e as Error).name);
  }
  return 'resolved';
}

/** Every entry under `dir`: type, size, content hash, link target. */
async function snapshot(dir: string, out = new Map<string, string>(), rel = ''): Promise<Map<string, string>> {
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = join(rel, name);
    const st = await lstat(join(dir, p));
    if (st.isSymbolicLink()) out.set(p, `link:${await readlink(join(dir, p))}`);
    else if (st.isDirectory()) {
      out.set(p, `dir:${st.mode}`);
      await snapshot(dir, out, p);
    } else out.set(p, `file:${st.mode}:${st.size}:${sha256(await readFile(join(dir, p)))}`);
  }
  return out;
}

let gcFn: (() => void) | undefined;
/**
 * Live bytes (heap + buffers) after full collections. Buffers are released by a background sweeper,
 * so it collects a few times with pauses before reading `external`; growth here means something is held.
 */
async function liveBytes(): Promise<number> {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setTimeout(r, 5));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * The ArtifactStore conformance suite. Every adapter and the in-memory fake run it:
 * `describeArtifactStoreConformance('local-fs', { open })`.
 */
export function describeArtifactStoreConformance(name: string, options: ArtifactStoreConformanceOptions): void {
  const { skip } = options;
  if (typeof skip === 'string') {
    describe.skip(`ArtifactStore conformance: ${name} — skipped: ${skip}`, () => {
      it('runs when the backend is available', () => {});
    });
    return;
  }
  const test = (title: string, fn: () => Promise<void>, timeout?: number) => {
    const reason = skip?.[title];
    if (reason) it.skip(`${title} — skipped: ${reason}`, fn);
    else it(title, fn, timeout);
  };

  describe(`ArtifactStore conformance: ${name}`, () => {
    let target: ArtifactStoreTarget;
    let store: ArtifactStore;
    let started: number;
    beforeEach(async () => {
      target = await options.open();
      store = target.store;
      started = Date.now();
      await store.createBucket(BUCKET);
    });
    afterEach(async () => {
      await target.close?.();
    });

    const put = (key: string, body: string | Uint8Array, contentType?: string) =>
      store.put(ref(key), typeof body === 'string' ? enc.encode(body) : body, contentType ? { contentType } : {});
    const getText = async (key: string, range?: { start: number; end?: number }) => {
      const { info, body } = await store.get(ref(key), range ? { range } : {});
      return { info, text: (await readAll(body)).toString('utf8') };
    };

    describe('buckets', () => {
      test('creates, lists, refuses duplicates and deletes only empty buckets', async () => {
        await store.createBucket('conf-other');
        // Only the suite's own buckets: a shared S3 endpoint may hold others.
        const ours = async () => (await store.listBuckets()).map((b) => b.name).filter((n) => n === BUCKET || n.startsWith('conf-'));
        expect(await ours()).toEqual([BUCKET, 'conf-other'].sort());
        const created = (await store.listBuckets()).find((b) => b.name === 'conf-other');
        expect(created?.createdAt).toBeGreaterThanOrEqual(started - 1000);
        expect(created?.createdAt).toBeLessThanOrEqual(Date.now() + 1000);
        expect(await codeOf(store.createBucket('conf-other'))).toBe('ResourceInUse');
        await store.ensureBucket('conf-other');
        await store.ensureBucket('conf-third');
        await store.put({ bucket: 'conf-other', key: 'x' }, enc.encode('x'));
        expect(await codeOf(store.deleteBucket('conf-other'))).toBe('ResourceInUse');
        await store.delete({ bucket: 'conf-other', key: 'x' });
        await store.deleteBucket('conf-other');
        expect(await ours()).toEqual([BUCKET, 'conf-third'].sort());
        expect(await codeOf(store.deleteBucket('conf-other'))).toBe('ResourceNotFound');
      });

      test('refuses bucket names that break S3 rules or try to leave the root', async () => {
        const bad = ['ab', 'A-bucket', 'bucket_x', '-abc', 'abc-', '192.168.1.1', 'xn--abc', 'a'.repeat(64), 'abc..def', 'x-s3alias', ...TRAVERSAL_BUCKETS];
        for (const b of bad) {
          expect(`${b}: ${await codeOf(store.createBucket(b))}`).toBe(`${b}: ValidationException`);
          expect(`${b}: ${await codeOf(store.put({ bucket: b, key: 'k' }, enc.encode('x')))}`).toBe(`${b}: ValidationException`);
          expect(`${b}: ${await codeOf(store.list({ bucket: b }))}`).toBe(`${b}: ValidationException`);
        }
      });

      test('answers ResourceNotFound for every operation on a missing bucket', async () => {
        const m = { bucket: 'conf-missing', key: 'k' };
        expect(await codeOf(store.put(m, enc.encode('x')))).toBe('ResourceNotFound');
        expect(await codeOf(store.get(m))).toBe('ResourceNotFound');
        expect(await codeOf(store.head(m))).toBe('ResourceNotFound');
        expect(await codeOf(store.delete(m))).toBe('ResourceNotFound');
        expect(await codeOf(store.list({ bucket: 'conf-missing' }))).toBe('ResourceNotFound');
        expect(await codeOf(store.deleteBucket('conf-missing'))).toBe('ResourceNotFound');
        await store.ping();
      });
    });

    describe('objects', () => {
      test('round-trips text with its size, sha256, ETag, content type and time', async () => {
        const info = await put('notes/hello.txt', 'hello, world\n', 'text/plain');
        // sha256 and MD5 of "hello, world\n", computed by coreutils.
        expect(info).toMatchObject({ bucket: BUCKET, key: 'notes/hello.txt', size: 13, contentType: 'text/plain' });
        expect(info.sha256).toBe('853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020');
        expect(info.etag).toBe('"22c3683b094136c3398391ae71b20f04"');
        expect(info.lastModified).toBeGreaterThanOrEqual(started - 1000);
        expect(await store.head(ref('notes/hello.txt'))).toEqual(info);
        const got = await getText('notes/hello.txt');
        expect(got.text).toBe('hello, world\n');
        expect(got.info).toEqual(info);
      });

      test('round-trips an empty object', async () => {
        const info = await put('empty', new Uint8Array(0));
        expect(info.size).toBe(0);
        expect(info.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
        expect((await readAll((await store.get(ref('empty'))).body)).length).toBe(0);
        expect(await codeOf(store.get(ref('empty'), { range: { start: 0 } }))).toBe('ValidationException');
      });

      test('round-trips every byte value from a Uint8Array, a Readable and an async iterable', async () => {
        const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + (i >> 8)) % 256);
        async function* gen() {
          for (let i = 0; i < bytes.length; i += 1000) yield bytes.slice(i, i + 1000);
        }
        const bodies = { array: bytes, readable: Readable.from([Buffer.from(bytes.subarray(0, 100)), Buffer.from(bytes.subarray(100))]), iterable: gen() };
        for (const [key, body] of Object.entries(bodies)) {
          const info = await store.put(ref(`bin/${key}`), body);
          expect(info.size).toBe(4096);
          expect(info.sha256).toBe(sha256(bytes));
          expect(Buffer.compare(await readAll((await store.get(ref(`bin/${key}`))).body), Buffer.from(bytes))).toBe(0);
        }
      });

      test('overwrites, deletes idempotently and reports absent objects', async () => {
        await put('k', 'one');
        const second = await put('k', 'second');
        expect((await getText('k')).text).toBe('second');
        expect((await store.head(ref('k')))?.sha256).toBe(second.sha256);
        await store.delete(ref('k'));
        await store.delete(ref('k'));
        await store.delete(ref('never-was'));
        expect(await store.head(ref('k'))).toBeUndefined();
        expect(await codeOf(store.get(ref('k')))).toBe('ResourceNotFound');
      });

      test('accepts ordinary keys: unicode, spaces, percent signs, inner dots', async () => {
        const keys = ['a/b/c.txt', 'résumé.txt', '日本語/ファイル', 'with space.txt', '100%.txt', 'a%20b', '.hidden', 'a..b', 'emoji-😀', 'x;y=1', '2024-01-01T00:00:00Z/m.json'];
        for (const k of keys) expect((await put(k, k)).key).toBe(k);
        for (const k of keys) expect((await getText(k)).text).toBe(k);
        expect((await store.list({ bucket: BUCKET })).objects.map((o) => o.key).sort()).toEqual([...keys].sort());
      });

      test('refuses malformed keys with ValidationException', async () => {
        const bad = ['', '/a', '//a', 'file:///a', 'a/./b/', 'x'.repeat(256), `${'y'.repeat(250)}/`.repeat(5) + 'y', 'tab\there', 'rtl\u202Eexe.txt', 'zero\u200Bwidth', '\uD800lone', 'name.', 'name '];
        for (const k of bad) expect(`${JSON.stringify(k)}: ${await codeOf(put(k, 'x'))}`).toBe(`${JSON.stringify(k)}: ValidationException`);
        expect((await store.list({ bucket: BUCKET })).objects).toEqual([]);
      });

      // As on S3: a key may also be a prefix of others (`p`, `p/q`), end with `/` (a folder marker, as
      // the S3 console makes) and hold empty segments (`a//b`); all coexist, in S3's key order.
      const nested = ['a/', 'a//', 'a//b', 'a/b', 'p', 'p-q', 'p/', 'p/q', 'p/q/r', 'p0'];
      const keysOf = (r: { objects: readonly ObjectInfo[] }) => r.objects.map((o) => o.key);

      test('a key that is also a prefix of another key', async () => {
        await put('p', 'file');
        await put('p/q', 'nested');
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(['p', 'p/q']);
        expect((await getText('p')).text).toBe('file');
        expect((await getText('p/q')).text).toBe('nested');
        await put('r/s', 'nested');
        await put('r', 'file');
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(['p', 'p/q', 'r', 'r/s']);
        expect((await getText('r')).text).toBe('file');
        expect(await store.head(ref('r/s/t'))).toBeUndefined();
        expect(await store.head(ref('p/'))).toBeUndefined();
      });

      test('keys that are prefixes, folder markers and empty segments coexist, listed in S3 order', async () => {
        for (const k of [...nested].reverse()) await put(k, `body of ${k}`);
        for (const k of nested) {
          expect((await getText(k)).text).toBe(`body of ${k}`);
          expect((await store.head(ref(k)))?.size).toBe(enc.encode(`body of ${k}`).length);
        }
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(nested);
        const page = async (q: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number }) => {
          const r = await store.list({ bucket: BUCKET, ...q });
          return { keys: keysOf(r), prefixes: r.commonPrefixes, next: r.nextStartAfter };
        };
        expect(await page({ delimiter: '/' })).toEqual({ keys: ['p', 'p-q', 'p0'], prefixes: ['a/', 'p/'], next: undefined });
        expect(await page({ prefix: 'p/', delimiter: '/' })).toEqual({ keys: ['p/', 'p/q'], prefixes: ['p/q/'], next: undefined });
        expect(await page({ prefix: 'a/', delimiter: '/' })).toEqual({ keys: ['a/', 'a/b'], prefixes: ['a//'], next: undefined });
        expect(await page({ prefix: 'a//' })).toEqual({ keys: ['a//', 'a//b'], prefixes: [], next: undefined });
        expect(await page({ prefix: 'p' })).toEqual({ keys: ['p', 'p-q', 'p/', 'p/q', 'p/q/r', 'p0'], prefixes: [], next: undefined });
        expect((await page({ startAfter: 'p' })).keys).toEqual(['p-q', 'p/', 'p/q', 'p/q/r', 'p0']);
        expect((await page({ startAfter: 'a/', delimiter: '/', prefix: 'a/' })).prefixes).toEqual(['a//']);
        // One key a page, each page starting after the last: every key once, in order.
        const paged: string[] = [];
        for (let after: string | undefined; ; ) {
          const r = await page({ maxKeys: 1, ...(after === undefined ? {} : { startAfter: after }) });
          paged.push(...r.keys);
          if (r.next === undefined) break;
          after = r.next;
        }
        expect(paged).toEqual(nested);
      });

      test('deleting a key leaves the keys it is a prefix of, and the keys that are its prefixes', async () => {
        for (const k of nested) await put(k, k);
        await store.delete(ref('p/q'));
        expect(keysOf(await store.list({ bucket: BUCKET, prefix: 'p' }))).toEqual(['p', 'p-q', 'p/', 'p/q/r', 'p0']);
        await store.delete(ref('p'));
        await store.delete(ref('a/'));
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(['a//', 'a//b', 'a/b', 'p-q', 'p/', 'p/q/r', 'p0']);
        expect(await store.head(ref('p'))).toBeUndefined();
        expect((await getText('p/q/r')).text).toBe('p/q/r');
        for (const k of nested) await store.delete(ref(k));
        expect(await store.list({ bucket: BUCKET, delimiter: '/' })).toEqual({ objects: [], commonPrefixes: [] });
        // Written again after all that, each key is a plain object once more.
        await put('p/q', 'again');
        await put('p', 'again too');
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(['p', 'p/q']);
      });

      test('overwrites and conditional writes of a key that is also a prefix', async () => {
        await put('p', 'one');
        await put('p/q', 'nested');
        const etag = (await store.head(ref('p')))?.etag as string;
        expect(await codeOf(store.put(ref('p'), enc.encode('two'), { ifNoneMatch: '*' }))).toBe('ConflictException');
        await store.put(ref('p'), enc.encode('two'), { ifMatch: etag });
        expect((await getText('p')).text).toBe('two');
        // A multipart upload's completion: the writer gives the part sizes (and ETag, unless the backend makes it).
        const mp = await store.put(ref('p/'), enc.encode('x'.repeat(10)), { partSizes: [5, 5], etag: '"0123456789abcdef0123456789abcdef-2"' });
        expect((await store.head(ref('p/')))?.etag).toBe(mp.etag);
        if (!options.backendAssignsEtags) expect(await store.head(ref('p/'))).toMatchObject({ size: 10, partSizes: [5, 5] });
        expect(await codeOf(store.put(ref('n'), enc.encode('x'), { ifNoneMatch: '*' }))).toBe('resolved');
        await put('n/m', 'below');
        expect((await getText('n')).text).toBe('x');
        expect(keysOf(await store.list({ bucket: BUCKET }))).toEqual(['n', 'n/m', 'p', 'p/', 'p/q']);
      });

      test('an aborted write leaves the old object whole', async () => {
        await put('k', 'old');
        const ac = new AbortController();
        async function* body() {
          yield enc.encode('new-part');
          ac.abort();
          yield enc.encode('-rest');
        }
        expect(await codeOf(store.put(ref('k'), body(), { signal: ac.signal }))).not.toBe('resolved');
        expect(await codeOf(store.put(ref('fresh'), body(), { signal: ac.signal }))).not.toBe('resolved');
        expect((await getText('k')).text).toBe('old');
        expect(await store.head(ref('fresh'))).toBeUndefined();
      });
    });

    describe('ranges', () => {
      test('returns inclusive byte ranges, clamps the end, refuses bad ranges', async () => {
        await put('digits', '0123456789');
        const cases: [{ start: number; end?: number }, string][] = [
          [{ start: 0, end: 3 }, '0123'], [{ start: 5 }, '56789'], [{ start: 8, end: 100 }, '89'], [{ start: 9, end: 9 }, '9'],
        ];
        for (const [range, want] of cases) {
          const got = await getText('digits', range);
          expect(got.text).toBe(want);
          expect(got.info.size).toBe(10);
        }
        for (const range of [{ start: 10 }, { start: 3, end: 2 }, { start: -1 }, { start: 1.5 }]) {
          expect(await codeOf(store.get(ref('digits'), { range }))).toBe('ValidationException');
        }
      });
    });

    describe('large objects', () => {
      const SIZE = 24 * MiB;
      async function* generate(hash: ReturnType<typeof createHash>, onProgress?: (sent: number) => Promise<void>) {
        for (let sent = 0; sent < SIZE; sent += MiB / 4) {
          const chunk = randomBytes(MiB / 4);
          hash.update(chunk);
          await onProgress?.(sent);
          yield chunk;
        }
      }

      test('round-trips a 24 MiB streamed object with its sha256', async () => {
        const hash = createHash('sha256');
        const info = await store.put(ref('big.bin'), generate(hash));
        const want = hash.digest('hex');
        expect(info).toMatchObject({ size: SIZE, sha256: want });
        const back = createHash('sha256');
        let n = 0;
        for await (const c of (await store.get(ref('big.bin'))).body) {
          back.update(c as Buffer);
          n += (c as Buffer).length;
        }
        expect(n).toBe(SIZE);
        expect(back.digest('hex')).toBe(want);
      }, 120_000);

      test('streams a 24 MiB object in and out without holding it in memory', async () => {
        // Warm up first, so code the store loads lazily on its first write and read is not counted.
        await store.put(ref('warm'), Readable.from([Buffer.from('warm')]));
        await readAll((await store.get(ref('warm'))).body);
        const base = await liveBytes();
        let peak = 0;
        const sample = async () => {
          peak = Math.max(peak, (await liveBytes()) - base);
        };
        await store.put(ref('big.bin'), generate(createHash('sha256'), async (sent) => {
          if (sent === SIZE / 2 || sent === (SIZE * 3) / 4) await sample();
        }));
        let read = 0;
        let marks = 0;
        for await (const c of (await store.get(ref('big.bin'))).body) {
          read += (c as Buffer).length;
          if (read >= (SIZE * (marks + 2)) / 4 && marks < 2) {
            marks++;
            await sample();
          }
        }
        expect(read).toBe(SIZE);
        // A store that buffered the object would hold ≥ 12 MiB at these marks.
        expect(peak).toBeLessThan(6 * MiB);
      }, 120_000);
    });

    describe('list', () => {
      const KEYS = ['a-c', 'a/b', 'a/c/d', 'a0', 'b', 'data/train/part-0.csv', 'data/train/part-1.csv', 'data/val/part-0.csv', 'z\uFFFD', 'z😀', 'é'];
      // The reference order: UTF-8 bytes, as S3 sorts.
      const ORDER = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      beforeEach(async () => {
        for (const k of [...KEYS].reverse()) await put(k, `body of ${k}`);
      });
      const entries = (r: { objects: readonly ObjectInfo[]; commonPrefixes: readonly string[] }) =>
        [...r.objects.map((o) => o.key), ...r.commonPrefixes].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

      test('lists every key in UTF-8 byte order with its info', async () => {
        const r = await store.list({ bucket: BUCKET });
        expect(r.objects.map((o) => o.key)).toEqual(ORDER);
        expect(r.commonPrefixes).toEqual([]);
        expect(r.nextStartAfter).toBeUndefined();
        for (const o of r.objects) expect(o).toEqual(await store.head(ref(o.key)));
      });

      test('filters by prefix and groups by delimiter', async () => {
        expect((await store.list({ bucket: BUCKET, prefix: 'data/' })).objects.map((o) => o.key)).toEqual(['data/train/part-0.csv', 'data/train/part-1.csv', 'data/val/part-0.csv']);
        expect((await store.list({ bucket: BUCKET, prefix: 'data/tr' })).objects.length).toBe(2);
        expect((await store.list({ bucket: BUCKET, prefix: 'nothing' })).objects).toEqual([]);
        const top = await store.list({ bucket: BUCKET, delimiter: '/' });
        expect(top.objects.map((o) => o.key)).toEqual(ORDER.filter((k) => !k.includes('/')));
        expect(top.commonPrefixes).toEqual(['a/', 'data/']);
        const data = await store.list({ bucket: BUCKET, prefix: 'data/', delimiter: '/' });
        expect(data.objects).toEqual([]);
        expect(data.commonPrefixes).toEqual(['data/train/', 'data/val/']);
        const dash = await store.list({ bucket: BUCKET, delimiter: '-' });
        expect(dash.commonPrefixes).toEqual(['a-', 'data/train/part-', 'data/val/part-']);
      });

      test('pages with maxKeys and startAfter, each entry exactly once', async () => {
        for (const [delimiter, maxKeys] of [[undefined, 2], [undefined, 1], ['/', 1], ['/', 3]] as const) {
          const all = entries(await store.list({ bucket: BUCKET, ...(delimiter ? { delimiter } : {}) }));
          const seen: string[] = [];
          let startAfter: string | undefined;
          for (let pages = 0; pages < 50; pages++) {
            const page = await store.list({ bucket: BUCKET, maxKeys, ...(delimiter ? { delimiter } : {}), ...(startAfter ? { startAfter } : {}) });
            const got = entries(page);
            expect(got.length).toBeLessThanOrEqual(maxKeys);
            seen.push(...got);
            if (page.nextStartAfter === undefined) break;
            expect(got.length).toBe(maxKeys);
            startAfter = page.nextStartAfter;
          }
          expect(seen).toEqual(all);
        }
        expect((await store.list({ bucket: BUCKET, startAfter: 'a/b' })).objects.map((o) => o.key)).toEqual(ORDER.slice(ORDER.indexOf('a/b') + 1));
        expect((await store.list({ bucket: BUCKET, startAfter: 'z😀' })).objects.map((o) => o.key)).toEqual(['é']);
        expect((await store.list({ bucket: BUCKET, maxKeys: 5000 })).objects.length).toBe(KEYS.length);
        expect(await codeOf(store.list({ bucket: BUCKET, maxKeys: 0 }))).toBe('ValidationException');
      });

      test('pages like a reference listing over nested directories, for every prefix, delimiter and start', async () => {
        // Keys whose UTF-8 order differs from per-directory order: `-`, `!` and `.` sort before `/`,
        // `0` after it, and astral characters after U+FFFD.
        const SEGMENTS = ['a', 'a!', 'a-', 'a.b', 'a0', 'ab', 'b', 'é', 'z😀', 'z\uFFFD'];
        const random = seededRandom(20_000);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
        const candidates = new Set<string>();
        while (candidates.size < 80) candidates.add(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(SEGMENTS)).join('/'));
        // A key is never also a directory of others here, so stores that keep keys as files take them all.
        const keys = [...candidates].filter((k) => ![...candidates].some((o) => o.startsWith(`${k}/`)));
        for (const k of KEYS) await store.delete(ref(k));
        for (const k of keys) await put(k, k);
        const byBytes = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
        const sorted = [...keys].sort(byBytes);
        /** S3's answer, from the definition: keys under the prefix, rolled up at the delimiter, after startAfter. */
        const reference = (prefix: string, delimiter: string | undefined, startAfter: string | undefined, maxKeys: number) => {
          const all: { entry: string; common: boolean }[] = [];
          for (const k of sorted.filter((x) => x.startsWith(prefix))) {
            const cut = delimiter === undefined ? -1 : k.indexOf(delimiter, prefix.length);
            const entry = cut < 0 ? k : k.slice(0, cut + (delimiter as string).length);
            if ((startAfter !== undefined && byBytes(entry, startAfter) <= 0) || all.at(-1)?.entry === entry) continue;
            all.push({ entry, common: cut >= 0 });
          }
          const page = all.slice(0, maxKeys);
          return {
            objects: page.filter((e) => !e.common).map((e) => e.entry),
            commonPrefixes: page.filter((e) => e.common).map((e) => e.entry),
            ...(all.length > maxKeys ? { nextStartAfter: page.at(-1)?.entry } : {}),
          };
        };
        const starts = [...sorted, ...sorted.map((k) => k.slice(0, 1 + Math.floor(random() * k.length))), 'a/', 'a-/', 'a.', 'a/b!', 'zz'];
        const prefixes = ['', 'a', 'a/', 'a-', 'a!/', 'a0/', 'a/a', 'é/', 'z', 'z😀/a', 'nothing/'];
        let pages = 0;
        for (let q = 0; q < 40; q++) {
          const prefix = q < prefixes.length ? (prefixes[q] as string) : pick(prefixes);
          const delimiter = pick([undefined, undefined, '/', '-', 'a', '/a']);
          const maxKeys = pick([1, 2, 3, 7, 1000]);
          let startAfter = random() < 0.4 ? pick(starts) : undefined;
          const query = `prefix '${prefix}' delimiter '${delimiter}' maxKeys ${maxKeys}`;
          for (let n = 0; n < 100; n++) {
            const page = await store.list({ bucket: BUCKET, maxKeys, ...(prefix ? { prefix } : {}), ...(delimiter ? { delimiter } : {}), ...(startAfter ? { startAfter } : {}) });
            pages++;
            const got = { objects: page.objects.map((o) => o.key), commonPrefixes: [...page.commonPrefixes], ...(page.nextStartAfter === undefined ? {} : { nextStartAfter: page.nextStartAfter }) };
            expect({ query, startAfter, ...got }).toEqual({ query, startAfter, ...reference(prefix, delimiter, startAfter, maxKeys) });
            if (page.nextStartAfter === undefined) break;
            startAfter = page.nextStartAfter;
          }
        }
        expect(pages).toBeGreaterThan(100);
        for (const k of keys) await store.delete(ref(k));
      }, 120_000);

      test('an emptied bucket lists nothing and can be deleted', async () => {
        for (const k of KEYS) await store.delete(ref(k));
        expect(await store.list({ bucket: BUCKET, delimiter: '/' })).toEqual({ objects: [], commonPrefixes: [] });
        await store.deleteBucket(BUCKET);
        await store.createBucket(BUCKET);
      });
    });

    describe('atomicity', () => {
      test('a reader during concurrent overwrites sees the old or the new object, whole', async () => {
        const versions = [Buffer.alloc(512 * 1024, 0x41), Buffer.alloc(768 * 1024, 0x42)];
        await store.put(ref('hot'), versions[0] as Buffer);
        let done = false;
        const writer = (async () => {
          for (let i = 1; i <= 12; i++) await store.put(ref('hot'), versions[i % 2] as Buffer);
          done = true;
        })();
        let reads = 0;
        while (!done || reads < 3) {
          const { info, body } = await store.get(ref('hot'));
          const bytes = await readAll(body);
          expect([512 * 1024, 768 * 1024]).toContain(bytes.length);
          expect(bytes.every((b) => b === bytes[0])).toBe(true);
          expect(info.size).toBe(bytes.length);
          expect(info.sha256).toBe(sha256(bytes));
          reads++;
        }
        await writer;
      }, 60_000);

      test('concurrent writers to one key: one whole version wins', async () => {
        const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(200_000 + i * 1000, 0x30 + i));
        await Promise.all(bodies.map((b) => store.put(ref('race'), b)));
        const { info, body } = await store.get(ref('race'));
        const bytes = await readAll(body);
        expect(bodies.some((b) => b.equals(bytes))).toBe(true);
        expect(info).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
        expect(await store.head(ref('race'))).toEqual(info);
        expect((await store.list({ bucket: BUCKET })).objects.map((o) => o.key)).toEqual(['race']);
      });
    });

    describe('containment', () => {
      test(`refuses ${TRAVERSAL_CASES.length} traversal keys and ${TRAVERSAL_BUCKETS.length} traversal bucket names on every operation, touching nothing`, async () => {
        await put('inside.txt', 'inside');
        const sandbox = target.sandbox;
        if (sandbox) await writeFile(join(sandbox, 'loam-canary'), 'CANARY-BYTES');
        const before = sandbox ? await snapshot(sandbox) : undefined;
        const tmpCanary = existsSync('/tmp/loam-traversal-canary');
        for (const c of TRAVERSAL_CASES) {
          const ops = {
            put: () => store.put(ref(c.key), enc.encode('PWNED')),
            putStream: () => store.put(ref(c.key), Readable.from([Buffer.from('PWNED')])),
            get: () => store.get(ref(c.key)),
            head: () => store.head(ref(c.key)),
            delete: () => store.delete(ref(c.key)),
            listPrefix: () => store.list({ bucket: BUCKET, prefix: c.key }),
            listStartAfter: () => store.list({ bucket: BUCKET, startAfter: c.key }),
          };
          for (const [op, call] of Object.entries(ops)) {
            expect(`${c.name} / ${op}: ${await codeOf(call())}`).toBe(`${c.name} / ${op}: ValidationException`);
          }
        }
        for (const b of TRAVERSAL_BUCKETS) {
          const ops = {
            createBucket: () => store.createBucket(b),
            put: () => store.put({ bucket: b, key: 'loam-canary' }, enc.encode('PWNED')),
            get: () => store.get({ bucket: b, key: 'loam-canary' }),
            list: () => store.list({ bucket: b }),
            deleteBucket: () => store.deleteBucket(b),
          };
          for (const [op, call] of Object.entries(ops)) {
            expect(`bucket ${JSON.stringify(b)} / ${op}: ${await codeOf(call())}`).toBe(`bucket ${JSON.stringify(b)} / ${op}: ValidationException`);
          }
        }
        if (sandbox && before) expect(await snapshot(sandbox)).toEqual(before);
        expect(existsSync('/tmp/loam-traversal-canary')).toBe(tmpCanary);
        expect((await store.list({ bucket: BUCKET })).objects.map((o) => o.key)).toEqual(['inside.txt']);
      });
    });

    describe('metadata', () => {
      test('stores user metadata and content headers with the object and returns them from head, get and list', async () => {
        const metadata = {
          userMetadata: { owner: 'team-a', 'run-id': '42', note: 'ünïcode ok' },
          cacheControl: 'max-age=60',
          contentDisposition: 'attachment; filename="x.csv"',
          contentEncoding: 'gzip',
          contentLanguage: 'en-GB',
          expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
        };
        const info = await store.put(ref('meta/obj'), enc.encode('payload'), { contentType: 'text/csv', ...metadata });
        expect(info).toMatchObject({ contentType: 'text/csv', ...metadata });
        expect(await store.head(ref('meta/obj'))).toMatchObject(metadata);
        expect((await store.get(ref('meta/obj'))).info).toMatchObject(metadata);
        expect((await store.list({ bucket: BUCKET, prefix: 'meta/' })).objects[0]).toMatchObject(metadata);
        // An overwrite without metadata has none.
        await put('meta/obj', 'plain');
        const plain = await store.head(ref('meta/obj'));
        for (const f of ['userMetadata', 'cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage', 'expires'] as const) expect(plain?.[f]).toBeUndefined();
      });

      test('metadata near S3\'s 2 KB is stored, or refused as a validation error (never an internal one)', async () => {
        const near = { userMetadata: { m: 'v'.repeat(2000) } };
        const outcome = await store.put(ref('meta/near'), enc.encode('x'), near).then(() => 'stored', (e: unknown) => (e as { code?: string }).code);
        expect(['stored', 'ValidationException']).toContain(outcome);
        if (outcome === 'stored') expect((await store.head(ref('meta/near')))?.userMetadata).toEqual(near.userMetadata);
      });
    });

    describe('ETags', () => {
      test('a put with an etag records it (a multipart ETag); a later plain put has its MD5 again', async () => {
        const multipart = '"0cc175b9c0f1b6a831c399e269772661-2"';
        const info = await store.put(ref('etag/mp'), enc.encode('two parts'), { etag: multipart });
        // The ETag given replaces the MD5, never the sha256 of the bytes.
        expect([info.sha256, (await store.head(ref('etag/mp')))?.sha256]).toEqual([sha256(enc.encode('two parts')), sha256(enc.encode('two parts'))]);
        if (options.backendAssignsEtags) {
          expect(info.etag).toBe((await store.head(ref('etag/mp')))?.etag);
          return;
        }
        expect(info.etag).toBe(multipart);
        expect((await store.head(ref('etag/mp')))?.etag).toBe(multipart);
        expect((await store.get(ref('etag/mp'))).info.etag).toBe(multipart);
        expect((await store.list({ bucket: BUCKET, prefix: 'etag/' })).objects.map((o) => o.etag)).toEqual([multipart]);
        // Conditions compare against the recorded ETag.
        await store.put(ref('etag/mp'), enc.encode('a'), { ifMatch: multipart });
        expect((await store.head(ref('etag/mp')))?.etag).toBe(`"${createHash('md5').update('a').digest('hex')}"`);
      });
    });

    describe('ETags of plain puts', () => {
      test('a put of more than 16 MiB without part sizes has the MD5 of its bytes as its ETag, as S3 gives a PutObject of any size', async () => {
        // The S3 adapter sent bodies over 16 MiB as a multipart upload: the object's ETag was `"…-2"`.
        const body = randomBytes(17 * MiB);
        const md5 = `"${createHash('md5').update(body).digest('hex')}"`;
        expect((await store.put(ref('etag/big'), body)).etag).toBe(md5);
        expect((await store.head(ref('etag/big')))?.etag).toBe(md5);
        const streamed = await store.put(ref('etag/big-stream'), Readable.from([body.subarray(0, 9 * MiB), body.subarray(9 * MiB)]));
        expect([streamed.etag, (await store.head(ref('etag/big-stream')))?.etag]).toEqual([md5, md5]);
      }, 120_000);
    });

    describe('part sizes', () => {
      test('a put with part sizes records them (part N is the bytes after the first N-1); a later plain put has none', async () => {
        const body = enc.encode('aaaaabbbbbbc');
        const info = await store.put(ref('parts/mp'), body, { etag: '"0cc175b9c0f1b6a831c399e269772661-3"', partSizes: [5, 6, 1] });
        if (options.backendAssignsEtags) {
          // S3 takes no part under 5 MiB but the last: the backend's parts are the adapter's own, and none are reported.
          expect([info.partSizes, (await store.head(ref('parts/mp')))?.partSizes]).toEqual([undefined, undefined]);
          return;
        }
        expect(info.partSizes).toEqual([5, 6, 1]);
        expect((await store.head(ref('parts/mp')))?.partSizes).toEqual([5, 6, 1]);
        expect((await store.get(ref('parts/mp'))).info.partSizes).toEqual([5, 6, 1]);
        expect((await store.list({ bucket: BUCKET, prefix: 'parts/' })).objects.map((o) => o.partSizes)).toEqual([[5, 6, 1]]);
        expect((await getText('parts/mp', { start: 5, end: 10 })).text).toBe('bbbbbb');
        await put('parts/mp', 'whole');
        expect((await store.head(ref('parts/mp')))?.partSizes).toBeUndefined();
      });

      test('part sizes S3 takes as a multipart upload\'s parts (each but the last at least 5 MiB) are recorded on every store, its ETag counting them', async () => {
        const sizes = [5 * MiB, 5 * MiB, 3];
        const body = randomBytes(sizes.reduce((a, b) => a + b, 0));
        const md5 = (b: Uint8Array) => createHash('md5').update(b).digest();
        // What an S3 client computes for these parts, and S3 answers: the MD5 of the parts' MD5s, and their count.
        const partMd5s = [md5(body.subarray(0, 5 * MiB)), md5(body.subarray(5 * MiB, 10 * MiB)), md5(body.subarray(10 * MiB))];
        const etag = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`;
        const info = await store.put(ref('parts/big'), Readable.from([body]), { etag, partSizes: sizes });
        expect([info.etag, info.partSizes]).toEqual([etag, sizes]);
        expect((await store.head(ref('parts/big')))?.partSizes).toEqual(sizes);
        expect((await store.get(ref('parts/big'))).info.partSizes).toEqual(sizes);
        expect((await store.list({ bucket: BUCKET, prefix: 'parts/' })).objects.map((o) => [o.etag, o.partSizes])).toEqual([[etag, sizes]]);
        // Part 2 is the bytes after part 1, as a ranged read gives them.
        const part2 = await readAll((await store.get(ref('parts/big'), { range: { start: 5 * MiB, end: 10 * MiB - 1 } })).body);
        expect(part2.equals(body.subarray(5 * MiB, 10 * MiB))).toBe(true);
        // One part is a multipart upload too (its ETag ends in -1).
        const one = await store.put(ref('parts/one'), enc.encode('one part'), { etag: `"${createHash('md5').update(md5(enc.encode('one part'))).digest('hex')}-1"`, partSizes: [8] });
        expect([one.etag.endsWith('-1"'), (await store.head(ref('parts/one')))?.partSizes]).toEqual([true, [8]]);
        await store.put(ref('parts/big'), enc.encode('whole'));
        expect((await store.head(ref('parts/big')))?.partSizes).toBeUndefined();
      }, 60_000);

      test('part sizes that do not add up to the body, or are not non-negative integers, are refused with ValidationException and nothing is written', async () => {
        await put('parts/kept', 'old bytes');
        expect(await codeOf(store.put(ref('parts/kept'), enc.encode('new bytes!'), { partSizes: [5, 4] }))).toBe('ValidationException');
        expect(await codeOf(store.put(ref('parts/kept'), Readable.from([Buffer.from('new bytes!')]), { partSizes: [5, 6] }))).toBe('ValidationException');
        expect(await codeOf(store.put(ref('parts/kept'), enc.encode('ab'), { partSizes: [-1, 3] }))).toBe('ValidationException');
        expect(await codeOf(store.put(ref('parts/kept'), enc.encode('ab'), { partSizes: [1.5, 0.5] }))).toBe('ValidationException');
        expect(await codeOf(store.put(ref('parts/kept'), enc.encode(''), { partSizes: [] }))).toBe('ValidationException');
        expect(await codeOf(store.put(ref('parts/new'), enc.encode('abc'), { partSizes: [1] }))).toBe('ValidationException');
        expect((await getText('parts/kept')).text).toBe('old bytes');
        expect(await store.head(ref('parts/new'))).toBeUndefined();
        expect((await store.list({ bucket: BUCKET, prefix: 'parts/' })).objects.map((o) => o.key)).toEqual(['parts/kept']);
      });
    });

    describe('conditional writes', () => {
      test('ifNoneMatch * creates only: an existing object is kept and the write refused with ConflictException', async () => {
        const first = await store.put(ref('cond/create'), enc.encode('first'), { ifNoneMatch: '*' });
        expect(await codeOf(store.put(ref('cond/create'), enc.encode('second'), { ifNoneMatch: '*' }))).toBe('ConflictException');
        expect(await codeOf(store.put(ref('cond/create'), Readable.from([Buffer.from('streamed')]), { ifNoneMatch: '*' }))).toBe('ConflictException');
        expect((await getText('cond/create')).text).toBe('first');
        expect(await store.head(ref('cond/create'))).toEqual(first);
        await store.delete(ref('cond/create'));
        await store.put(ref('cond/create'), enc.encode('again'), { ifNoneMatch: '*' });
        expect((await getText('cond/create')).text).toBe('again');
      });

      test('ifMatch replaces only the object with that ETag; a missing object is ResourceNotFound', async () => {
        const v1 = await put('cond/match', 'v1');
        const v2 = await store.put(ref('cond/match'), enc.encode('v2'), { ifMatch: v1.etag });
        expect((await getText('cond/match')).text).toBe('v2');
        expect(await codeOf(store.put(ref('cond/match'), enc.encode('v3'), { ifMatch: v1.etag }))).toBe('ConflictException');
        expect((await getText('cond/match')).text).toBe('v2');
        // Unquoted ETags name the same object.
        await store.put(ref('cond/match'), enc.encode('v3'), { ifMatch: v2.etag.replace(/"/g, '') });
        expect((await getText('cond/match')).text).toBe('v3');
        expect(await codeOf(store.put(ref('cond/absent'), enc.encode('x'), { ifMatch: v1.etag }))).toBe('ResourceNotFound');
        expect(await store.head(ref('cond/absent'))).toBeUndefined();
      });

      test('of concurrent create-only writes to one key exactly one succeeds', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            codeOf(store.put(ref('cond/race'), Readable.from([Buffer.from(`writer ${i} `), Buffer.alloc(64 * 1024, i)]), { ifNoneMatch: '*' })),
          ),
        );
        expect(results.filter((r) => r === 'resolved')).toHaveLength(1);
        expect(results.filter((r) => r !== 'resolved')).toEqual(new Array(7).fill('ConflictException'));
        const winner = results.indexOf('resolved');
        expect((await getText('cond/race')).text.startsWith(`writer ${winner} `)).toBe(true);
      });

      test('of concurrent ifMatch writes against one ETag exactly one succeeds', async () => {
        const base = await put('cond/cas', 'base');
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => codeOf(store.put(ref('cond/cas'), enc.encode(`writer ${i}`), { ifMatch: base.etag }))),
        );
        expect(results.filter((r) => r === 'resolved')).toHaveLength(1);
        expect(results.filter((r) => r !== 'resolved')).toEqual(new Array(5).fill('ConflictException'));
        expect((await getText('cond/cas')).text).toBe(`writer ${results.indexOf('resolved')}`);
      });
    });
  });
}
