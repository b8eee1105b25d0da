import type { LogTailPage } from '../ports/job-executor.js';
import type { LogGroupSource, LogUnit } from './log-groups.js';

/**
 * Units whose streams' last events are remembered per group: at least this many, and as many as a call asks for, so
 * a group of more units than this is not read whole on every call.
 */
const REMEMBERED = 10_000;
/**
 * Groups remembered, the one least recently asked for forgotten first: an endpoint's group goes with the endpoint
 * (DeleteEndpoint), and a long-lived server lists many, so what it knew of one is not kept for ever.
 */
const GROUPS = 1000;
/** Units read at once. */
const CONCURRENCY = 16;
/** Lines read forward per page when catching up with what a unit wrote since the last call. */
const PAGE = 1000;
/**
 * Lines written since the last call past which a unit is read back from its end first: its hosts' newest lines are
 * there (a talker's burst), so the burst is not read whole. Only when a host is not among its newest lines is the
 * rest of the burst read forward.
 */
const BURST = 10_000;
/**
 * Lines a first read reads back before it takes a host not among them from the writers' records of each host's
 * newest line (`LogGroupSource.lastTimes`), where the source keeps them: a host quiet since its first lines is then
 * not looked for through the whole log.
 */
const FIRST = 10_000;

/** What is known of a unit: each host's newest line's time, up to `end`. */
interface Known {
  /**
   * The unit's incarnation ({@link incarnationOf}): a unit of the same key made again (a job of the name created
   * again) is another log.
   */
  readonly incarnation: string;
  /** A `read` token after the last line accounted for: a line after it is new. */
  end: string;
  /** By host, the time of its newest line before `end` (a host with no line there is absent). */
  readonly times: Map<string, number>;
  /** Closed and read to its end: nothing is left to read. */
  final: boolean;
}

/**
 * When each stream of a unit last wrote (epoch ms): the time of its host's newest line, what CloudWatch Logs reports
 * as a stream's `lastEventTimestamp` and orders `LastEventTime` by. No earlier than the stream's creation; a stream
 * without a line has its creation time.
 *
 * A unit is read back from its end once, until every host has a line (to its start for a host that has none, so a
 * quiet host of a multi-host job gets its own time, however much the others wrote since). Then what is known is
 * remembered with where the read ended, and a later call reads only what was written after it (a running job or
 * endpoint instance that wrote nothing costs one empty read, a finished job's nothing): logs only grow, so a host's
 * newest line is either the one remembered or among the new ones.
 */
export class StreamLastEvents {
  /** Per group, the least recently asked for first, by unit key, the oldest remembered first. */
  private readonly known = new Map<string, Map<string, Known>>();
  /**
   * Units being read, and the read that follows it for the calls that came meanwhile: the read under way may have
   * read the unit before such a call began, so its answer could be older than a line written before that call.
   */
  private readonly reading = new Map<string, { readonly done: Promise<Known>; next?: Promise<Known> }>();

  /** Each stream's last event time, by stream name, of the units given. */
  async of(group: string, source: LogGroupSource, units: readonly LogUnit[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // Room for every unit asked for: ordering by LastEventTime asks for all of a group's, in the same order each call,
    // and with less room each one was pushed out before it was asked for again (every job read every call).
    const room = Math.max(REMEMBERED, units.length);
    const remembered = this.group(group);
    let next = 0;
    const work = async () => {
      while (next < units.length) {
        const u = units[next++] as LogUnit;
        const { times } = await this.unit(group, remembered, source, u, room);
        for (const s of u.streams) out.set(s.name, Math.max(s.creationTime, times.get(s.host) ?? s.creationTime));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, units.length) }, work));
    return out;
  }

  /** Units remembered, over every group. */
  remembered(): number {
    let n = 0;
    for (const r of this.known.values()) n += r.size;
    return n;
  }

  /** What is remembered of a group, now the most recently asked for. */
  private group(group: string): Map<string, Known> {
    const remembered = this.known.get(group) ?? new Map<string, Known>();
    this.known.delete(group);
    this.known.set(group, remembered);
    if (this.known.size > GROUPS) this.known.delete(this.known.keys().next().value as string);
    return remembered;
  }

  private unit(group: string, remembered: Map<string, Known>, source: LogGroupSource, u: LogUnit, room: number): Promise<Known> {
    // The incarnation tells a job from one of the same name created again after it was deleted.
    const incarnation = incarnationOf(u);
    const id = `${group}\0${u.key}\0${incarnation}`;
    const under = this.reading.get(id);
    if (under) {
      // Read on from where it ends: one read more, shared by every call that comes meanwhile.
      return (under.next ??= under.done.then(noop, noop).then(() => this.unit(group, remembered, source, u, room)));
    }
    const found = remembered.get(u.key);
    const known = found?.incarnation === incarnation ? found : undefined;
    if (known?.final) return Promise.resolve(known);
    const done = (known ? catchUp(source, u, known) : firstRead(source, u)).then((k) => {
      if (!remembered.has(u.key) && remembered.size >= room) remembered.delete(remembered.keys().next().value as string);
      remembered.set(u.key, k);
      return k;
    }).finally(() => this.reading.delete(id));
    this.reading.set(id, { done });
    return done;
  }
}

function noop(): void {}

/**
 * What tells a unit from another of its key: its own `incarnation`, else its start time. (An endpoint instance's start
 * time is its directory's birth time, or where the file system keeps none its first segment's mtime, which each
 * write moves: keyed by that, such an instance was read back from its end again on every call.)
 */
const incarnationOf = (u: LogUnit): string => u.incarnation ?? `t${u.startTime}`;

/**
 * A unit never read: back from its end until every host has a line or its start is reached. Where the source keeps
 * its writers' records of each host's newest line, only the last {@link FIRST} lines are read, and a host not among
 * them has its recorded time; only a host without a record is looked for further back. (A recorded time may be of
 * a line after `end`: a later catch-up reads that line and sets the same time.)
 */
async function firstRead(source: LogGroupSource, u: LogUnit): Promise<Known> {
  const hosts = new Set(u.streams.map((s) => s.host));
  const times = new Map<string, number>();
  const back = await newest(source, u, hosts, times, source.lastTimes ? FIRST : Number.POSITIVE_INFINITY);
  if (!back.all && source.lastTimes) {
    const recorded = await source.lastTimes(u);
    for (const h of hosts) {
      const t = recorded.get(h);
      if (!times.has(h) && t !== undefined) times.set(h, Math.round(t));
    }
    // Read on back from where the first read stopped.
    if (times.size < hosts.size && back.before !== undefined) await newest(source, u, hosts, times, Number.POSITIVE_INFINITY, back.before);
  }
  // Read before the answer: a closed unit had every line written by then.
  return { incarnation: incarnationOf(u), end: back.end, times, final: u.closed === true };
}

/**
 * Reads back from the end of a unit, setting each host's newest line's time in `times` (hosts already there are
 * left), until every host has one, the start is reached, or more than `most` lines were read. `end` is the token
 * after the newest line (read forward from it, a later line is new); `all` whether every host was found; `before` where
 * to read on back from (from `from`, such a token, instead of the end).
 */
async function newest(source: LogGroupSource, u: LogUnit, hosts: ReadonlySet<string>, times: Map<string, number>, most: number, from?: string): Promise<{ end: string; all: boolean; before?: string }> {
  let end: string | undefined;
  let before = from;
  let read = 0;
  // One line first: most units have one stream (an endpoint instance, a job on one host).
  for (let want = 1; ; want = 1000) {
    const page: LogTailPage = await source.readBackward(u, { ...(before !== undefined ? { before } : {}), limit: want });
    end ??= page.after;
    read += page.lines.length;
    for (let i = page.lines.length - 1; i >= 0; i--) {
      const l = page.lines[i]!;
      if (hosts.has(l.host) && !times.has(l.host)) times.set(l.host, Math.round(l.time));
    }
    const all = [...hosts].every((h) => times.has(h));
    if (all || page.before === undefined || read > most) return { end, all, ...(page.before !== undefined ? { before: page.before } : {}) };
    before = page.before;
  }
}

/**
 * A unit read before: the lines written after `known.end`, forward, each host's newest kept. A burst of more than
 * {@link BURST} lines is read back from the end first: when every host is among the newest lines, their times are
 * those and the rest of the burst is not read.
 */
async function catchUp(source: LogGroupSource, u: LogUnit, known: Known): Promise<Known> {
  const hosts = new Set(u.streams.map((s) => s.host));
  const times = new Map(known.times);
  let end = known.end;
  let read = 0;
  for (;;) {
    const page = await source.read(u, { token: end, limit: PAGE });
    if (page.lines.length === 0) break;
    for (const l of page.lines) if (hosts.has(l.host)) times.set(l.host, Math.round(l.time));
    end = page.nextToken;
    read += page.lines.length;
    if (read >= BURST && read - page.lines.length < BURST) {
      const newer = new Map<string, number>();
      const back = await newest(source, u, hosts, newer, BURST);
      if (back.all) return { incarnation: known.incarnation, end: back.end, times: newer, final: false };
    }
  }
  // Read to the end after the unit was closed: nothing is written to it any more.
  return { incarnation: known.incarnation, end, times, final: u.closed === true };
}
