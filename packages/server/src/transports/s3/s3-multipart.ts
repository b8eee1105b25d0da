import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactStore, ObjectInfo, ObjectMetadata, ObjectRef, PutOptions } from '@loam/core';
import { S3Error, noSuchUpload } from './s3-errors.js';

/** S3's rules: parts 1–10,000; every part but the last at least 5 MiB. */
export const MAX_PART_NUMBER = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024;

interface UploadMeta {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  /** User metadata and content headers given at CreateMultipartUpload, stored when the upload completes. */
  readonly metadata?: ObjectMetadata;
  readonly initiated: number;
}

export interface UploadSummary {
  readonly uploadId: string;
  readonly key: string;
  readonly initiated: number;
}

export interface PartInfo {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
}

/** A part's record: its info and the data file holding exactly the bytes its ETag names. */
interface PartRecord extends PartInfo {
  /** The data file's name in the upload directory; absent in records written before it was kept (`part-<n>`). */
  readonly file?: string;
}

const partFile = (p: PartRecord): string => p.file ?? `part-${p.partNumber}`;

/** Writes `data` to a temp file in `dir`, fsynced, and renames it to `name`: a reader sees the old file or the new, whole. */
async function writeFileAtomically(dir: string, name: string, data: string): Promise<void> {
  const tmp = join(dir, `${name}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name)).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

/**
 * Multipart uploads staged as private files under `<data-dir>/s3-multipart/<uploadId>/`. Each upload
 * of a part writes its bytes to a data file of its own (`part-<n>.<random>`, never reused), then
 * replaces the part's record (`part-<n>.json`, naming that file) atomically, so the record and the
 * bytes it names always agree: a part uploaded again, concurrently or across a crash, is the old
 * part or the new one, never one's ETag over the other's bytes. Completing streams the recorded
 * files in order into one atomic `ArtifactStore.put`, so readers never see a partial object,
 * recording S3's multipart ETag (see multipartEtag) and the parts' sizes; aborting or completing removes the directory
 * (with any file a crash left in it).
 */
export class MultipartUploads {
  /** Record replacements of one part run one at a time, so the file a replaced record named can be removed. */
  private readonly partCommits = new Map<string, Promise<unknown>>();

  constructor(private readonly root: string) {}

  private async commitPart<T>(slot: string, fn: () => Promise<T>): Promise<T> {
    const before = this.partCommits.get(slot) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => {});
    this.partCommits.set(slot, tail);
    try {
      return await mine;
    } finally {
      if (this.partCommits.get(slot) === tail) this.partCommits.delete(slot);
    }
  }

  private dir(uploadId: string): string {
    // Ids are ours (32 hex digits); anything else cannot name a directory.
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload(uploadId);
    return join(this.root, uploadId);
  }

  private async meta(uploadId: string, ref: ObjectRef): Promise<UploadMeta> {
    let meta: UploadMeta;
    try {
      meta = JSON.parse(await readFile(join(this.dir(uploadId), 'upload.json'), 'utf8')) as UploadMeta;
    } catch {
      throw noSuchUpload(uploadId);
    }
    if (meta.bucket !== ref.bucket || meta.key !== ref.key) throw noSuchUpload(uploadId);
    return meta;
  }

  async create(ref: ObjectRef, contentType: string | undefined, metadata: ObjectMetadata = {}): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.dir(uploadId);
    // The last two levels one at a time: a recursive mkdir reports a full disk (ENOSPC) as ENOENT.
    await mkdir(dirname(this.root), { recursive: true, mode: 0o700 });
    await mkdir(this.root, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await mkdir(dir, { mode: 0o700 });
    const meta: UploadMeta = { bucket: ref.bucket, key: ref.key, initiated: Date.now(), ...(contentType !== undefined ? { contentType } : {}), metadata };
    try {
      await writeFileAtomically(dir, 'upload.json', JSON.stringify(meta));
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return uploadId;
  }

  async uploadPart(uploadId: string, ref: ObjectRef, partNumber: number, body: AsyncIterable<Buffer>): Promise<PartInfo> {
    await this.meta(uploadId, ref);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new S3Error('InvalidArgument', 400, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: String(partNumber) });
    }
    const dir = this.dir(uploadId);
    const file = `part-${partNumber}.${randomBytes(8).toString('hex')}`;
    const tmp = join(dir, `${file}.tmp`);
    const md5 = createHash('md5');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      for await (const chunk of body) {
        md5.update(chunk);
        size += chunk.length;
        for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      await fh.sync();
      await fh.close();
      await rename(tmp, join(dir, file));
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
    const info: PartInfo = { partNumber, etag: `"${md5.digest('hex')}"`, size, lastModified: Date.now() };
    const record: PartRecord = { ...info, file };
    try {
      await this.commitPart(`${uploadId}/${partNumber}`, async () => {
        const replaced = await this.record(dir, partNumber);
        await writeFileAtomically(dir, `part-${partNumber}.json`, JSON.stringify(record));
        // The replaced part's bytes are named by no record now (a Complete already reading them keeps its open file).
        if (replaced && partFile(replaced) !== file) await unlink(join(dir, partFile(replaced))).catch(() => {});
      });
    } catch (e) {
      await rm(join(dir, file), { force: true });
      throw e;
    }
    return info;
  }

  private async record(dir: string, partNumber: number): Promise<PartRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, `part-${partNumber}.json`), 'utf8')) as PartRecord;
    } catch {
      return undefined;
    }
  }

  async listParts(uploadId: string, ref: ObjectRef): Promise<PartInfo[]> {
    return (await this.partRecords(uploadId, ref)).map(({ partNumber, etag, size, lastModified }) => ({ partNumber, etag, size, lastModified }));
  }

  private async partRecords(uploadId: string, ref: ObjectRef): Promise<PartRecord[]> {
    await this.meta(uploadId, ref);
    const dir = this.dir(uploadId);
    const parts: PartRecord[] = [];
    for (const n of await readdir(dir)) {
      const m = /^part-(\d+)\.json$/.exec(n);
      const record = m ? await this.record(dir, Number(m[1])) : undefined;
      if (record) parts.push(record);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Assembles the listed parts (ascending, ETags matching) into the object and ends the upload. */
  async complete(
    uploadId: string,
    ref: ObjectRef,
    chosen: readonly { partNumber: number; etag: string }[],
    store: ArtifactStore,
    conditions: Pick<PutOptions, 'ifMatch' | 'ifNoneMatch'> = {},
  ): Promise<ObjectInfo> {
    const meta = await this.meta(uploadId, ref);
    if (chosen.length === 0) throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
    const have = new Map((await this.partRecords(uploadId, ref)).map((p) => [p.partNumber, p] as const));
    const unquote = (s: string) => s.replace(/^"|"$/g, '');
    let last = 0;
    chosen.forEach((c, i) => {
      if (c.partNumber <= last) throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
      last = c.partNumber;
      const p = have.get(c.partNumber);
      if (!p || unquote(p.etag) !== unquote(c.etag)) {
        throw new S3Error('InvalidPart', 400, 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', { PartNumber: String(c.partNumber) });
      }
      if (i < chosen.length - 1 && p.size < MIN_PART_SIZE) {
        throw new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size.', { ProposedSize: String(p.size), MinSizeAllowed: String(MIN_PART_SIZE), PartNumber: String(c.partNumber) });
      }
    });
    const dir = this.dir(uploadId);
    const files = chosen.map((c) => partFile(have.get(c.partNumber) as PartRecord));
    async function* concat(): AsyncGenerator<Buffer> {
      for (const [i, file] of files.entries()) {
        try {
          for await (const b of createReadStream(join(dir, file), { highWaterMark: 1 << 16 })) yield b as Buffer;
        } catch (e) {
          // Uploaded again since the parts were checked: the ETag given names bytes the upload no longer holds.
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          throw new S3Error('InvalidPart', 400, 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', { PartNumber: String((chosen[i] as { partNumber: number }).partNumber) });
        }
      }
    }
    const info = await store.put(ref, concat(), {
      ...(meta.contentType !== undefined ? { contentType: meta.contentType } : {}), ...(meta.metadata ?? {}), ...conditions, etag: multipartEtag(chosen.map((c) => (have.get(c.partNumber) as PartInfo).etag)),
      // Where each part ends, so GetObject ?partNumber=N can answer part N.
      partSizes: chosen.map((c) => (have.get(c.partNumber) as PartInfo).size),
    });
    await rm(dir, { recursive: true, force: true });
    return info;
  }

  /**
   * The bucket's uploads in progress, by key then initiation time: every upload directory whose record
   * names the bucket. Records being written or removed right now are skipped.
   */
  async listUploads(bucket: string): Promise<UploadSummary[]> {
    const names = await readdir(this.root).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    const out: UploadSummary[] = [];
    for (const uploadId of names) {
      if (!/^[0-9a-f]{32}$/.test(uploadId)) continue;
      try {
        const meta = JSON.parse(await readFile(join(this.root, uploadId, 'upload.json'), 'utf8')) as UploadMeta;
        if (meta.bucket === bucket) out.push({ uploadId, key: meta.key, initiated: meta.initiated });
      } catch {
        // Being created, completed or aborted right now.
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : 1)));
  }

  /**
   * Removes what a crash left among the uploads: temp files (a part or record being written), part
   * bytes no record names (a part replaced, or uploaded up to its record), and upload directories with
   * no record (a create cut short, whose id no client ever received). Run before requests are served:
   * then nothing is being written. Returns how many entries it removed.
   */
  async sweep(): Promise<number> {
    let removed = 0;
    const uploads = await readdir(this.root).catch(() => [] as string[]);
    for (const uploadId of uploads) {
      if (!/^[0-9a-f]{32}$/.test(uploadId)) continue;
      const dir = join(this.root, uploadId);
      const names = await readdir(dir).catch(() => undefined);
      if (!names) continue;
      if (!names.includes('upload.json')) {
        await rm(dir, { recursive: true, force: true });
        removed++;
        continue;
      }
      const named = new Set<string>();
      for (const n of names) {
        const m = /^part-(\d+)\.json$/.exec(n);
        const record = m ? await this.record(dir, Number(m[1])) : undefined;
        if (record) named.add(partFile(record));
      }
      for (const n of names) {
        if (n.endsWith('.tmp') || (/^part-\d+(\.[0-9a-f]+)?$/.test(n) && !named.has(n))) {
          await rm(join(dir, n), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async abort(uploadId: string, ref: ObjectRef): Promise<void> {
    await this.meta(uploadId, ref);
    await rm(this.dir(uploadId), { recursive: true, force: true });
  }
}

/** S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts, then `-<number of parts>`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const e of partEtags) md5.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}
