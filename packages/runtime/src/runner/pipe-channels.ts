import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, fchownSync, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { JobChannelSpec } from '@loam/contracts';
import type { Artifacts } from './artifacts.js';
import { ClientError } from './client-error.js';
import { recordIoFrames, RecordIoSourceChanged, RecordIoTooLarge } from './record-io.js';
import type { Planned } from './shared-listing.js';
import { epochSeed, hostObjects, type StagingHost } from './stage-inputs.js';

/** One Pipe-mode channel: its spec and the objects listed for it before the image started. */
export interface PipeChannel {
  readonly channel: JobChannelSpec;
  readonly planned: readonly Planned[];
}

export interface PipeInputsOptions {
  readonly store: Artifacts;
  readonly channels: readonly PipeChannel[];
  readonly host: StagingHost;
  /** The job's `opt/ml/input/data` on the host (what the image sees as `/opt/ml/input/data`). */
  readonly dataDir: string;
  /** The sandbox uid the image runs as: the FIFOs are given to it. */
  readonly uid?: number;
  readonly signal?: AbortSignal;
  /** One line for the job's platform log. */
  readonly log: (line: string) => void;
  /** The channel's data could not be streamed (missing object, not gzip, a record too large): the job fails with it. */
  readonly onError: (e: Error) => void;
  /** How often a FIFO nobody reads yet is tried again (ms). */
  readonly pollMs?: number;
}

/** A FIFO this runner made: its name in the data directory and its inode, so nothing else is ever written to. */
interface Made {
  readonly name: string;
  readonly dev: number;
  readonly ino: number;
}

/**
 * SageMaker's Pipe input mode for images that read their channels themselves (script mode, process
 * images): each Pipe channel's data arrives through the FIFOs `/opt/ml/input/data/<channel>_<epoch>`,
 * read one after another. `<channel>_0` exists before the image starts; when an epoch's data has been
 * written, `<channel>_<epoch + 1>` is made and only then is the epoch's FIFO closed (so a reader at EOF
 * finds the next one), and the finished FIFO is removed. An epoch is the channel's objects concatenated
 * in the host's order ({@link hostObjects}: key or manifest order; with ShuffleConfig reshuffled each
 * epoch with {@link epochSeed}, then dealt by ShardedByS3Key), streamed from the artifact store every
 * time; Gzip objects are decompressed, and with `RecordWrapperType: RecordIO` each object is one RecordIO
 * record, streamed ({@link recordIoFrames}: one GET, and a second only for a part longer than it holds).
 *
 * The data directory belongs to the image (its sandbox uid), which may swap a FIFO for a link or a file
 * at any moment. Every operation therefore goes through a descriptor of the directory opened before the
 * image started (`/proc/self/fd/<n>/<name>`: a renamed or replaced directory changes nothing), the FIFO is
 * opened with `O_NOFOLLOW | O_NONBLOCK` only when it is still the very FIFO made here (same device and
 * inode, checked again on the open descriptor), and a FIFO that is not is given up, with a log line.
 * Nothing waits for a reader: an unread FIFO is tried every `pollMs`, so an image that reads only some
 * epochs, or none, ends when it ends; {@link close} then abandons every writer and removes the FIFOs.
 */
export class PipeInputs {
  private readonly dirFd: number;
  private readonly base: string;
  private readonly pollMs: number;
  private readonly made = new Map<string, Made>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /**
   * Makes every channel's `<channel>_0` and starts its writer.
   * @throws ClientError when a FIFO cannot be made (a name already taken in the data directory).
   */
  constructor(private readonly o: PipeInputsOptions) {
    this.pollMs = o.pollMs ?? 50;
    this.dirFd = openSync(o.dataDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    // Linux resolves /proc/self/fd/<n> to the open directory itself, whatever its path has become: openat(2) for Node.
    this.base = existsSync(`/proc/self/fd/${this.dirFd}`) ? `/proc/self/fd/${this.dirFd}` : o.dataDir;
    try {
      for (const c of o.channels) this.makeFifo(fifoName(c.channel, 0));
    } catch (e) {
      this.close();
      throw e;
    }
    for (const c of o.channels) void this.run(c);
  }

  /** Abandons every writer (the image has ended), removes the FIFOs left and closes the directory. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    for (const m of this.made.values()) this.remove(m);
    closeSync(this.dirFd);
  }

  private at(name: string): string {
    return `${this.base}/${name}`;
  }

  /** Makes `<name>` (mode 0600, the image's uid) through the directory descriptor. */
  private makeFifo(name: string): void {
    if (this.closed) return;
    // mkfifo(1) is a child: it reaches the descriptor through this process's /proc entry.
    const path = this.base === this.o.dataDir ? this.at(name) : `/proc/${process.pid}/fd/${this.dirFd}/${name}`;
    const r = spawnSync('mkfifo', ['-m', '600', '--', path], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new ClientError(`Pipe mode: the FIFO /opt/ml/input/data/${name} could not be made: ${(r.error?.message ?? r.stderr.trim()) || `mkfifo exit ${r.status}`}.`);
    }
    // Looked at and given to the image through one descriptor: by its path, the image could have put another
    // file at the name in between (a hard link to one of the machine's) and had that chowned to its uid. Opening
    // a FIFO to read, without waiting for a writer, has no effect; a link is refused (O_NOFOLLOW).
    const replaced = new ClientError(`Pipe mode: /opt/ml/input/data/${name} was replaced while it was being made.`);
    let fd: number;
    try {
      fd = openSync(this.at(name), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch {
      throw replaced;
    }
    try {
      const st = fstatSync(fd);
      // Made here: a FIFO of this process's user with no other name (not one the image linked in from elsewhere).
      if (!st.isFIFO() || st.nlink !== 1 || st.uid !== (process.geteuid?.() ?? st.uid)) throw replaced;
      this.made.set(name, { name, dev: st.dev, ino: st.ino });
      if (this.o.uid !== undefined) fchownSync(fd, this.o.uid, this.o.uid);
    } finally {
      closeSync(fd);
    }
  }

  /** Removes `m` when it is still the FIFO made here (anything else at its name is the image's). */
  private remove(m: Made): void {
    this.made.delete(m.name);
    try {
      const st = lstatSync(this.at(m.name));
      if (st.isFIFO() && st.dev === m.dev && st.ino === m.ino) unlinkSync(this.at(m.name));
    } catch {
      // already gone
    }
  }

  /** Epoch after epoch while the image reads them; returns when the job ends or the channel cannot go on. */
  private async run(c: PipeChannel): Promise<void> {
    for (let epoch = 0; !this.closed; epoch++) {
      const name = fifoName(c.channel, epoch);
      const fd = await this.waitForReader(name);
      if (fd === undefined) return;
      const next = fifoName(c.channel, epoch + 1);
      const makeNext = () => {
        if (!this.made.has(next)) this.makeFifo(next);
      };
      try {
        await this.writeEpoch(c, epoch, fd, makeNext);
      } catch (e) {
        // Stopped (StopTrainingJob, a limit): the store's AbortError is the stop's, not a failure of the channel.
        if (this.closed || this.o.signal?.aborted) return;
        // Only the FIFO's own errors reach here with a code: the store's are wrapped by epochBytes (see sourceError).
        const code = (e as { code?: string }).code;
        if (code !== 'EPIPE' && code !== 'ECONNRESET') {
          this.o.onError(e as Error);
          return;
        }
        // The image closed the epoch before its end: it has had what it wanted of it.
        this.o.log(`Pipe mode: the image closed /opt/ml/input/data/${name} before the end of epoch ${epoch}.`);
        try {
          makeNext();
        } catch (err) {
          this.o.onError(err as Error);
          return;
        }
      }
      const m = this.made.get(name);
      if (m && !this.closed) this.remove(m);
    }
  }

  /**
   * Opens `name` for writing once the image opened it for reading: `undefined` when the job ended first,
   * or when the name no longer holds the FIFO made here (the image removed it or put something else there).
   */
  private async waitForReader(name: string): Promise<number | undefined> {
    const m = this.made.get(name);
    while (!this.closed && m) {
      let fd: number;
      try {
        const st = lstatSync(this.at(name));
        if (!st.isFIFO() || st.dev !== m.dev || st.ino !== m.ino) return this.gaveUp(name, 'it is no longer the FIFO Loam made');
        fd = openSync(this.at(name), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // No reader yet: try again shortly, without holding anything.
        if (code === 'ENXIO') {
          await this.sleep();
          continue;
        }
        return this.gaveUp(name, code === 'ENOENT' ? 'it was removed' : `it could not be opened (${code ?? (e as Error).message})`);
      }
      const st = fstatSync(fd);
      if (!st.isFIFO() || st.dev !== m.dev || st.ino !== m.ino) {
        closeSync(fd);
        return this.gaveUp(name, 'it was replaced while it was being opened');
      }
      return fd;
    }
    return undefined;
  }

  private gaveUp(name: string, why: string): undefined {
    this.o.log(`Pipe mode: /opt/ml/input/data/${name} gets no data: ${why}; its channel gets no further epochs.`);
    return undefined;
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, this.pollMs);
      this.timers.add(t);
    });
  }

  /** Streams one epoch into the open FIFO `fd`; `beforeEnd` runs once every byte is queued, before the FIFO closes. */
  private async writeEpoch(c: PipeChannel, epoch: number, fd: number, beforeEnd: () => void): Promise<void> {
    const seed = c.channel.shuffleSeed !== undefined ? epochSeed(c.channel.shuffleSeed, epoch) : undefined;
    const objects = hostObjects(c.planned, c.channel, this.o.host, seed);
    const socket = new Socket({ fd, readable: false, writable: true });
    this.sockets.add(socket);
    // The FIFO may close (the job ended, the image closed it) while epochBytes waits on a read (a slow or stalled body,
    // RecordIO's search for a part's end): nothing is written to find it gone, and the pipeline settles only once
    // epochBytes ends, so the read held its connection or descriptor to its end. Destroyed, it fails and epochBytes ends.
    const reads = new Set<Readable>();
    socket.once('close', () => {
      for (const r of reads) r.destroy();
    });
    try {
      await pipeline(epochBytes(this.o.store, c.channel, objects, beforeEnd, this.o.signal, reads), socket);
    } finally {
      this.sockets.delete(socket);
      socket.destroy();
    }
  }
}

/** `<channel>_<epoch>`, the FIFO's name in `/opt/ml/input/data`. */
export function fifoName(channel: JobChannelSpec, epoch: number): string {
  return `${channel.name}_${epoch}`;
}

/**
 * An error reading an object, named by it and without the cause's `code`: a store's `read ECONNRESET` or
 * `EPIPE` must not pass for the image closing its FIFO (which ends the epoch quietly and goes on to the
 * next), or an epoch cut short by the store would reach the image as a whole one.
 */
function sourceError(what: string, uri: string, e: unknown): Error {
  if (e instanceof ClientError) return e;
  return new Error(`${what}: reading ${uri} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** One epoch's bytes: each object in turn (decompressed, wrapped as RecordIO when asked); `beforeEnd` runs after the last. */
async function* epochBytes(store: Artifacts, channel: JobChannelSpec, objects: readonly Planned[], beforeEnd: () => void, signal: AbortSignal | undefined, reads: Set<Readable>): AsyncGenerator<Buffer> {
  const what = `Channel '${channel.name}'`;
  for (const p of objects) {
    const uri = `s3://${p.bucket}/${p.key}`;
    const bodies: Readable[] = [];
    let etag: string | undefined;
    // The object's bytes (gunzipped when asked) from its start, or from a range's start: RecordIO framing reads a part
    // longer than it holds again (recordIoFrames), by a range GET, or for Gzip by reading the stream again up to it.
    const open = async (range?: { start: number; end: number }): Promise<AsyncIterable<Buffer>> => {
      const byRange = range && range.end > range.start && channel.compression !== 'Gzip' ? { range: { start: range.start, end: range.end - 1 } } : {};
      let got: Awaited<ReturnType<Artifacts['get']>>;
      try {
        got = await store.get({ bucket: p.bucket, key: p.key }, { ...byRange, ...(signal ? { signal } : {}) });
      } catch (e) {
        if ((e as { code?: string }).code === 'ResourceNotFound') throw new ClientError(`${what}: ${uri} does not exist${channel.s3DataType === 'ManifestFile' ? ` (listed in the manifest ${channel.s3Uri})` : ''}.`);
        throw e; // wrapped once, below (sourceError)
      }
      const body = got.body;
      bodies.push(body);
      reads.add(body);
      // A part read again must come from the object the first read framed: another ETag is another object.
      const tag = (got.info as { etag?: string } | undefined)?.etag;
      if (etag === undefined) etag = tag;
      else if (tag !== undefined && tag !== etag) throw new RecordIoSourceChanged(`the object changed between its two reads (ETag ${etag}, then ${tag})`);
      if (channel.compression !== 'Gzip') return body;
      const gunzip = createGunzip();
      bodies.push(gunzip);
      reads.add(gunzip);
      body.on('error', (e) => gunzip.destroy(e));
      const out = body.pipe(gunzip);
      return range ? skipBytes(out, range.start) : out;
    };
    try {
      if (channel.recordWrapper === 'RecordIO') yield* recordIoFrames(open);
      else for await (const chunk of await open()) yield chunk;
    } catch (e) {
      if (e instanceof ClientError) throw e;
      if ((e as { code?: string }).code === 'Z_DATA_ERROR') throw new ClientError(`${what}: ${uri} is not gzip data (CompressionType is Gzip).`);
      if (e instanceof RecordIoTooLarge) throw new ClientError(`${what}: ${uri} is larger than one RecordIO record can be (${e.maxBytes} bytes; RecordWrapperType is RecordIO).`);
      throw sourceError(what, uri, e);
    } finally {
      for (const b of bodies) {
        b.destroy();
        reads.delete(b);
      }
    }
  }
  beforeEnd();
}

/** `source` without its first `n` bytes. */
async function* skipBytes(source: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (n >= chunk.length) {
      n -= chunk.length;
      continue;
    }
    yield n > 0 ? chunk.subarray(n) : chunk;
    n = 0;
  }
}
