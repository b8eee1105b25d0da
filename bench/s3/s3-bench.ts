/**
 * S3 API at scale: ListObjectsV2 paging through one prefix of many keys, and CompleteMultipartUpload of
 * a large object, both through the real HTTP routes with the AWS SDK for JavaScript.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/s3/s3-bench.ts [--keys 20000] [--page 1000] [--mib 1024] [--part-mib 64]
 * The keys are written straight into the artifact store (their writing is not what is measured); the
 * listing pages through them with ListObjectsV2 (MaxKeys = --page, following NextContinuationToken).
 * The multipart object is uploaded in parts of --part-mib MiB of random bytes; only
 * CompleteMultipartUpload is timed. Server and client share this process: cpuMs is both (the client's
 * part is small), a steadier figure than wall time on a loaded machine. Prints one JSON line per
 * measurement, with /proc/loadavg.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { silentLogger } from '@loam/core';
import { buildLoamApp, loadConfig, openPlatform } from '@loam/server';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const KEYS = arg('keys', 20_000);
const PAGE = arg('page', 1000);
const MIB = arg('mib', 1024);
const PART_MIB = arg('part-mib', 64);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));

const dataDir = mkdtempSync(join(process.env['DATA'] ?? tmpdir(), 'loam-s3-bench-'));
try {
  const { config } = loadConfig({ argv: { dataDir }, env: { LOAM_LOG__LEVEL: 'silent' }, cwd: dataDir });
  const platform = await openPlatform(config, silentLogger);
  const app = buildLoamApp(platform, false, () => 'http://127.0.0.1');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const admin = await platform.identity.bootstrapAdmin();
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: admin!.accessKeyId, secretAccessKey: admin!.secretAccessKey },
  });

  if (KEYS > 0) {
    await s3.send(new CreateBucketCommand({ Bucket: 'list' }));
    const keys = Array.from({ length: KEYS }, (_, i) => `big/part-${String(i).padStart(6, '0')}.json`);
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map((Key) => platform.artifacts.put({ bucket: 'list', key: Key }, Buffer.from(Key))));
    }
    const pages: number[] = [];
    let listed = 0;
    let token: string | undefined;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    do {
      const p0 = performance.now();
      const out = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'big/', MaxKeys: PAGE, ...(token ? { ContinuationToken: token } : {}) }));
      pages.push(performance.now() - p0);
      listed += out.KeyCount ?? 0;
      token = out.NextContinuationToken;
    } while (token);
    const total = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (listed !== KEYS) throw new Error(`listed ${listed} keys, wrote ${KEYS}`);
    const ms = (x: number) => Math.round(x * 10) / 10;
    print({ bench: 'list', keys: KEYS, page: PAGE, pages: pages.length, totalMs: ms(total), msPerKey: ms((total / KEYS) * 1000) / 1000, firstPageMs: ms(pages[0]!), lastPageMs: ms(pages.at(-1)!), maxPageMs: ms(Math.max(...pages)), cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
  }

  if (MIB > 0) {
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big.bin' }));
    const Parts: { PartNumber: number; ETag: string }[] = [];
    const part = randomBytes(PART_MIB * 1024 * 1024);
    for (let n = 1; n * PART_MIB <= MIB; n++) {
      part[0] = n; // parts differ
      const r = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, PartNumber: n, Body: part }));
      Parts.push({ PartNumber: n, ETag: r.ETag! });
    }
    const c0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, MultipartUpload: { Parts } }));
    const cpu = process.cpuUsage(cpu0);
    print({ bench: 'complete', mib: MIB, parts: Parts.length, completeMs: Math.round(performance.now() - c0), cpuMs: Math.round((cpu.user + cpu.system) / 1000), etag: out.ETag });
  }
  s3.destroy();
  await app.close();
  await platform.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
