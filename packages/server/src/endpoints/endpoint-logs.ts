import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { endsWithNewline } from '@loam/adapters/executors/local/log-append';
import { decodeLogToken, encodeLogToken, readLogLinesAt, readLogTailAt } from '@loam/adapters/executors/local/log-reader';
import { TornLineWarnings } from '@loam/adapters/executors/local/torn-lines';
import type { RunnerLogLine } from '@loam/contracts';
import { endpointsCollection, type LogGroupSource, type LogGroups, type LogPage, type LogTailPage, type LogUnit, type Logger, type MetadataStore } from '@loam/core';

/** SageMaker's log group of an endpoint: `/aws/sagemaker/Endpoints/<endpoint name>`. */
export const ENDPOINT_LOG_GROUP_PREFIX = '/aws/sagemaker/Endpoints/';

/** A segment is closed once it reaches this many bytes (4 MiB) … */
const SEGMENT_BYTES = 4 << 20;
/** … and a stream keeps this many segments, the oldest dropped: at most 8 MiB of output per instance. */
const SEGMENTS = 2;
/** Longer lines are cut, so a line stays one append (as a job's). */
const MAX_LINE = 16_384;

/** SageMaker's name pattern (endpoints, variants); Loam's instance ids are made of such names, lower-cased. */
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
const INSTANCE = /^[a-z0-9](-*[a-z0-9])*$/;

export interface EndpointLogsOptions {
  /** `<data dir>/endpoint-logs`: `<endpoint key>/<variant>/<instance id>/<first byte's offset>.jsonl`, and `created` (the stream's creation time). */
  readonly dir: string;
  readonly store: MetadataStore;
  readonly logger: Logger;
  /** Tests shorten it. */
  readonly segmentBytes?: number;
}

/** Where a model-server instance's output lines go (stdout, stderr), one call per line. */
export type InstanceOutput = (stream: RunnerLogLine['stream'], line: string) => void;

/**
 * The model servers' output of each endpoint, kept under the data directory so it outlives the instance and the
 * server (an instance started after a restart has a stream of its own: {@link EndpointLogs.instanceId}), and served as SageMaker's log group `/aws/sagemaker/Endpoints/<name>`
 * with one stream per instance, `<variant>/<instance id>` (SageMaker's is `AllTraffic/i-0abc…`).
 *
 * Bounded per stream by rotation: lines are appended to a segment of at most `segmentBytes` (4 MiB); the stream keeps
 * its newest two segments, so at most 8 MiB, the oldest output dropped first. A segment is named by the stream offset
 * of its first byte, so read positions (tokens) stay valid across rotations and restarts; a position whose segment
 * was dropped reads on from the oldest kept line.
 *
 * Removed with the endpoint (DeleteEndpoint, or at start for an endpoint no longer stored). SageMaker keeps an
 * endpoint's log group until the group is deleted; Loam serves no DeleteLogGroup, so logs that outlived their
 * endpoint could never be removed, and a new endpoint of the same name would show the old one's streams.
 */
export class EndpointLogs {
  private readonly segmentBytes: number;
  private warned = false;
  /**
   * How many times each endpoint's logs were removed: a writer made before the last removal (an instance started
   * before DeleteEndpoint) does not write them again. A count, not a time: a writer made in the same millisecond
   * as a removal is ordered correctly.
   */
  private readonly removals = new Map<string, number>();

  /** The last instance number handed out per endpoint and id prefix (`<endpoint>-<variant>-`, lower-cased) by this process. */
  private readonly numbers = new Map<string, number>();

  /** Torn lines met in the segments (a write cut short): said once per segment file, as the jobs' logs are. */
  private readonly torn: TornLineWarnings;

  constructor(private readonly o: EndpointLogsOptions) {
    this.segmentBytes = o.segmentBytes ?? SEGMENT_BYTES;
    this.torn = new TornLineWarnings(o.logger);
  }

  /**
   * A new instance's id, `<endpoint>-<variant>-<n>` (lower-cased), whose stream `<variant>/<id>` no instance has
   * written: `n` follows the highest the variant's streams on disk (an earlier server's) and this process have used.
   * SageMaker gives every instance a stream of its own; counting from 1 again after a restart appended a new
   * instance's output to the stream of the old one that had the same number.
   */
  instanceId(endpointName: string, variantName: string): string {
    const prefix = `${endpointName}-${variantName}-`.toLowerCase();
    // By the id's prefix, not the variant's name: an update from variant 'A' to 'a' runs both fleets at once, and
    // their instances' ids (lower-cased) must differ. And by endpoint: 'my' with variant 'ep-a' has the prefix of
    // 'my-ep' with 'a', and a count read from the one's streams would hand out ids of the other's.
    const key = `${endpointName.toLowerCase()}/${prefix}`;
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = 0;
      const root = join(this.o.dir, endpointName.toLowerCase());
      for (const variant of list(root).filter((v) => v.toLowerCase() === variantName.toLowerCase())) {
        for (const d of list(join(root, variant))) {
          const m = d.startsWith(prefix) ? /^[1-9]\d{0,15}$/.exec(d.slice(prefix.length)) : null;
          if (m) n = Math.max(n, Number(m[0]));
        }
      }
    }
    this.numbers.set(key, ++n);
    return `${prefix}${n}`;
  }

  /** The endpoints' log groups, one per stored endpoint (Creating, Failed and Deleting ones too: a failed start's traceback is what one looks for). */
  readonly groups: LogGroups = {
    list: async () => {
      const out: { name: string; creationTime: number }[] = [];
      for await (const r of this.endpoints()) out.push({ name: `${ENDPOINT_LOG_GROUP_PREFIX}${r.name}`, creationTime: Math.round(r.creationTime * 1000) });
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    get: async (group) => {
      if (!group.startsWith(ENDPOINT_LOG_GROUP_PREFIX)) return undefined;
      const name = group.slice(ENDPOINT_LOG_GROUP_PREFIX.length);
      if (!NAME.test(name)) return undefined;
      // Log group names are case-sensitive: the group is named as the endpoint was.
      const r = (await this.o.store.collection(endpointsCollection).get(name.toLowerCase()))?.value;
      return r && r.name === name ? this.source(r.key) : undefined;
    },
  };

  /**
   * The sink of one instance's output. Never throws: a line that cannot be written (a full disk, the endpoint's logs
   * removed meanwhile) is dropped, and the first such failure is logged.
   */
  writer(endpointName: string, variantName: string, instanceId: string): InstanceOutput {
    const dir = join(this.o.dir, endpointName.toLowerCase(), variantName, instanceId);
    if (!NAME.test(endpointName) || !NAME.test(variantName) || !INSTANCE.test(instanceId)) throw new Error(`bad endpoint log stream ${endpointName}/${variantName}/${instanceId}`);
    let fd: number | undefined;
    let base = 0;
    let size = 0;
    let broken = false;
    // The segment ends inside a line (a write cut short by a full disk, a server killed mid-write): the next line
    // starts with a newline, else it is glued to that half line and the readers skip both.
    let torn = false;
    const key = endpointName.toLowerCase();
    const generation = this.removals.get(key) ?? 0;
    const open = () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const last = segmentsOf(dir).at(-1);
      if (last) {
        base = last.base;
        size = statSync(last.file).size;
      } else recordCreation(dir);
      fd = openSync(join(dir, segmentName(base)), 'a+', 0o600);
      torn = !endsWithNewline(fd);
    };
    const rotate = () => {
      closeSync(fd as number);
      base += size;
      size = 0;
      // Opened before the oldest goes: a directory removed meanwhile (DeleteEndpoint) is not made again.
      fd = openSync(join(dir, segmentName(base)), 'a', 0o600);
      torn = false;
      for (const s of segmentsOf(dir).slice(0, -SEGMENTS)) rmSync(s.file, { force: true });
    };
    return (stream, line) => {
      if (broken) return;
      // A line written after DeleteEndpoint removed the logs (a stopped instance's last output) is dropped.
      if ((this.removals.get(key) ?? 0) !== generation) return;
      try {
        if (fd === undefined) open();
        const rec: RunnerLogLine = { time: Date.now(), host: instanceId, stream, line: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line };
        const record = `${JSON.stringify(rec)}\n`;
        if (size > 0 && size + Buffer.byteLength(record) > this.segmentBytes) rotate();
        const text = Buffer.from(torn ? `\n${record}` : record);
        // A full disk may take part of the line without an error: the segment then ends inside it.
        const written = writeSync(fd as number, text);
        size += written;
        torn = written < text.length;
      } catch (e) {
        broken = true;
        if (fd !== undefined) closeSync(fd);
        if (!this.warned) this.o.logger.warn({ endpointName, instanceId, err: (e as Error).message }, "a model server's output could not be kept; its further lines are dropped");
        this.warned = true;
      }
    };
  }

  /** Removes an endpoint's logs (DeleteEndpoint). Never throws. */
  remove(endpointName: string): void {
    const dir = join(this.o.dir, endpointName.toLowerCase());
    if (!NAME.test(endpointName)) return;
    const key = endpointName.toLowerCase();
    this.removals.set(key, (this.removals.get(key) ?? 0) + 1);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      this.o.logger.warn({ endpointName, err: (e as Error).message }, "an endpoint's logs could not be removed");
    }
  }

  /** At start: the logs of endpoints no longer stored (deleted while a removal failed, or by a server that crashed) go. */
  async sweep(): Promise<string[]> {
    let dirs: string[];
    try {
      dirs = readdirSync(this.o.dir);
    } catch {
      return [];
    }
    const keep = new Set<string>();
    for await (const r of this.endpoints()) keep.add(r.key);
    const gone = dirs.filter((d) => !keep.has(d));
    for (const d of gone) rmSync(join(this.o.dir, d), { recursive: true, force: true });
    return gone;
  }

  private async *endpoints() {
    const c = this.o.store.collection(endpointsCollection);
    let nextToken: string | undefined;
    do {
      const page = await c.list({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      for (const i of page.items) yield i.value;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /** One endpoint's streams: a unit per instance directory, its lines' host the instance id. Read through fs/promises. */
  private source(key: string): LogGroupSource {
    const root = join(this.o.dir, key);
    const unitOf = async (variant: string, instance: string): Promise<LogUnit | undefined> => {
      const dir = join(root, variant, instance);
      const segs = await segmentsOfAsync(dir);
      if (segs.length === 0) return undefined;
      let st: Stats;
      try {
        st = await stat(dir);
      } catch {
        return undefined;
      }
      const born = st.birthtimeMs;
      const last = await mtimeAsync(segs.at(-1)!.file);
      // The time the writer recorded when it made the stream; for a stream an earlier Loam made, the directory's birth time where the file system keeps one, else the first segment's mtime
      // (which every write moves: no file system time stays put there, ctime and mtime both move with each write).
      const first = (await recordedCreation(dir)) ?? (born > 0 ? born : await mtimeAsync(segs[0]!.file));
      const name = `${variant}/${instance}`;
      // The directory itself, as the one log it is: where the file system keeps no birth time (0), a stream made
      // before its creation time was recorded has as start time its first segment's mtime, which every write moves,
      // so it cannot tell the log from another.
      const incarnation = `${st.dev}:${st.ino}:${born}`;
      return { key: name, startTime: Math.floor(first), incarnation, endTime: Math.ceil(last), streams: [{ name, host: instance, creationTime: Math.round(first) }] };
    };
    return {
      streamNames: '<variant name>/<instance id>, one per model-server instance that has written',
      units: async () => {
        const out: LogUnit[] = [];
        for (const variant of (await listAsync(root)).filter((v) => NAME.test(v))) {
          for (const instance of (await listAsync(join(root, variant))).filter((i) => INSTANCE.test(i))) {
            const u = await unitOf(variant, instance);
            if (u) out.push(u);
          }
        }
        return out;
      },
      stream: async (name) => {
        const m = /^([^/]+)\/([^/]+)$/.exec(name);
        if (!m || !NAME.test(m[1] as string) || !INSTANCE.test(m[2] as string)) return undefined;
        const unit = await unitOf(m[1] as string, m[2] as string);
        return unit && { unit, host: m[2] as string };
      },
      read: (unit, options) => readSegments(join(root, unit.key), options.token, options.limit, this.torn),
      readBackward: (unit, options) => readSegmentsBackward(join(root, unit.key), options.before, options.limit, this.torn),
    };
  }
}

function segmentName(base: number): string {
  return `${String(base).padStart(15, '0')}.jsonl`;
}

/** A stream's segments among the names in its directory, oldest first. */
function segmentsIn(dir: string, names: readonly string[]): { base: number; file: string }[] {
  return names
    .filter((f) => /^\d{15}\.jsonl$/.test(f))
    .map((f) => ({ base: Number(f.slice(0, 15)), file: join(dir, f) }))
    .sort((a, b) => a.base - b.base);
}

function segmentsOf(dir: string): { base: number; file: string }[] {
  return segmentsIn(dir, list(dir));
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function listAsync(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function segmentsOfAsync(dir: string): Promise<{ base: number; file: string }[]> {
  return segmentsIn(dir, await listAsync(dir));
}

/**
 * A stream's creation time (ms), written once by its writer when it makes the stream, in a file beside its segments:
 * DescribeLogStreams' creationTime must not move, and a file system without birth times (statx without STATX_BTIME)
 * has no file time that stays put. Never overwritten; a failure to write it (a full disk) leaves the stream without.
 */
const CREATED = 'created';

function recordCreation(dir: string): void {
  try {
    writeFileSync(join(dir, CREATED), String(Date.now()), { flag: 'wx', mode: 0o600 });
  } catch {
    // Already there (a stream made again after its segments went), or not writable: the fallbacks serve.
  }
}

async function recordedCreation(dir: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(dir, CREATED), 'utf8')).trim();
    return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

async function mtimeAsync(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Whole lines of a stream from a stream offset (the token), across its segments: a position in a dropped segment
 * reads on from the oldest kept one, the end of a segment on into the next.
 */
export async function readSegments(dir: string, token: string | undefined, limit: number, torn?: TornLineWarnings): Promise<LogPage> {
  let at = decodeLogToken(token);
  const segs = await segmentsOfAsync(dir);
  if (segs.length === 0) return { lines: [], nextToken: encodeLogToken(at), starts: [] };
  at = Math.max(at, segs[0]!.base);
  for (let i = segs.findLastIndex((s) => s.base <= at); i < segs.length; i++) {
    const seg = segs[i]!;
    const page = await readLogLinesAt(seg.file, at - seg.base, limit);
    torn?.report(seg.file, page.torn);
    at = seg.base + page.end;
    if (page.lines.length > 0 || i === segs.length - 1) return { lines: page.lines, nextToken: encodeLogToken(at), starts: page.starts.map((s) => encodeLogToken(seg.base + s)) };
    // This segment is read to its end: the next one starts where it ends (its name), whatever partial line was left.
    at = segs[i + 1]!.base;
  }
  return { lines: [], nextToken: encodeLogToken(at), starts: [] };
}

/**
 * The last whole lines of a stream before a stream offset (`before`, a token of {@link readSegments}'; the end when
 * absent), oldest first, read backward within one segment per call (about 1 MiB at most): what the newest events
 * cost. Nothing is before the oldest kept segment's start.
 */
export async function readSegmentsBackward(dir: string, before: string | undefined, limit: number, torn?: TornLineWarnings): Promise<LogTailPage> {
  let to = before === undefined ? Number.POSITIVE_INFINITY : decodeLogToken(before);
  const segs = await segmentsOfAsync(dir);
  // A position at a segment's start is the end of the one before it.
  for (let i = segs.findLastIndex((s) => s.base < to); i >= 0; i--) {
    const seg = segs[i]!;
    const t = await readLogTailAt(seg.file, Number.isFinite(to) ? to - seg.base : undefined, limit);
    torn?.report(seg.file, t.torn);
    if (t.lines.length > 0 || t.start > 0) {
      const start = seg.base + t.start;
      return { lines: t.lines, after: encodeLogToken(seg.base + t.end), ...(start > segs[0]!.base ? { before: encodeLogToken(start) } : {}) };
    }
    // Nothing whole in this segment before `to`: the previous one, to its end.
    to = seg.base;
  }
  return { lines: [], after: encodeLogToken(Number.isFinite(to) ? to : 0) };
}
