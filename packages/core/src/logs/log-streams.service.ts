import { createHash } from 'node:crypto';
import { jobLogGroups, logGroupNameOf, type InputOf, type Operations, type OutputOf, type RunnerLogLine } from '@loam/contracts';
import { echo } from '../kernel/echo.js';
import { isLoamError, LoamError, ValidationError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import type { RequestContext } from '../kernel/context.js';
import type { LogGroupSource, LogGroups, LogUnit } from './log-groups.js';
import { decodeKeysetToken, encodeKeysetToken } from '../experiments/keyset-page-token.js';
import { StreamLastEvents } from './stream-last-events.js';

type Ops = Operations;
type LogEvent = OutputOf<Ops['GetLogEvents']>['events'][number];

/** Lines read from a log per call at most, so one request over a huge log stays bounded; the token carries on. */
const SCAN_LIMIT = 200_000;
/** Lines FilterLogEvents reads of one unit at a time: every unit it merges holds one such page. */
const PAGE_LINES = 1000;

/**
 * CloudWatch Logs' read operations over the logs Loam keeps, in the layout SageMaker writes them: jobs' in one log
 * group per kind of job (`/aws/sagemaker/TrainingJobs`, …), one stream per host of a started job
 * (`<job>/algo-<n>-<epoch seconds the job started>`); an endpoint's model servers' in `/aws/sagemaker/Endpoints/<name>`,
 * one stream per instance (`<variant>/<instance id>`). Each line is an event (epoch ms). What the SageMaker Python
 * SDK's `Estimator.fit(logs=True)` and `logs_for_job`, `aws logs tail` and boto3's `logs` client read.
 */
export class LogStreamsService {
  /** Remembered across calls: a finished job's streams' last events are read once, a running one's only what it wrote since. */
  private readonly lastEvents = new StreamLastEvents();

  constructor(
    private readonly o: {
      readonly partition: Partition;
      /** The groups and what holds each one's lines. */
      readonly groups: LogGroups;
    },
  ) {}

  /**
   * The jobs' three groups, always (a group exists before its first job, so the SDK's first look finds it), and one per
   * endpoint, ordered by name (bytes), as CloudWatch Logs lists them. A token holds the last group's name, not an
   * offset: a group created or deleted between two pages (an endpoint's) moves no other across the page boundary.
   * An earlier Loam's offset token pages on by offset in the order it listed then, so a listing begun before an
   * upgrade ends as it began.
   * @throws ValidationException for a token it did not issue.
   */
  async DescribeLogGroups(input: InputOf<Ops['DescribeLogGroups']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeLogGroups']>> {
    const prefix = input.logGroupNamePrefix ?? '';
    const pattern = input.logGroupNamePattern?.toLowerCase();
    const groups = (await this.o.groups.list()).filter((g) => g.name.startsWith(prefix) && (pattern === undefined || g.name.toLowerCase().includes(pattern)));
    const limit = input.limit ?? 50;
    let listed: typeof groups;
    let nextToken: string | undefined;
    if (isOffsetToken(input.nextToken)) {
      const from = decodeOffset(input.nextToken);
      listed = groups.slice(from, from + limit);
      if (from + limit < groups.length) nextToken = encodeOffset(from + limit);
    } else {
      const start = decodeKeysetToken(input.nextToken, {
        order: GROUPS_ORDER, isOrder: (o) => o === GROUPS_ORDER, read: (after) => (typeof after === 'string' ? after : undefined),
        refuse: () => {
          throw badToken();
        },
      });
      const after = start.after;
      const rest = groups.sort((a, b) => compare(a.name, b.name)).filter((g) => after === undefined || compare(g.name, after) > 0).slice(start.offset);
      listed = rest.slice(0, limit);
      if (rest.length > limit) nextToken = encodeKeysetToken(GROUPS_ORDER, (listed.at(-1) as { name: string }).name);
    }
    return {
      logGroups: listed.map(({ name: logGroupName, creationTime }) => {
        const arn = this.groupArn(logGroupName);
        return { logGroupName, creationTime, arn: `${arn}:*`, logGroupArn: arn, storedBytes: 0, metricFilterCount: 0 };
      }),
      ...(nextToken !== undefined ? { nextToken } : {}),
    };
  }

  /**
   * Ordered by name (bytes), or with LastEventTime by each stream's last event (its host's newest line, the
   * `lastEventTimestamp` answered), then name. A token holds the last stream's place in that order, not an offset:
   * a stream that writes, or a job that starts, between two pages moves no other stream across the page boundary,
   * so paging lists every stream whose place did not change once (one that wrote may be listed again, at its new place).
   * @throws ResourceNotFound for a log group Loam does not keep; ValidationException for a bad token (another order's
   * too) or a prefix with LastEventTime.
   */
  async DescribeLogStreams(input: InputOf<Ops['DescribeLogStreams']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeLogStreams']>> {
    const { name: group, source } = await this.group(input);
    const prefix = input.logStreamNamePrefix ?? '';
    const byTime = input.orderBy === 'LastEventTime';
    if (prefix !== '' && byTime) {
      throw new ValidationError('Cannot order by LastEventTime with a logStreamNamePrefix.', [{ path: '/orderBy', message: 'LastEventTime with logStreamNamePrefix' }]);
    }
    const order = { byTime, descending: input.descending === true };
    const after = decodeStreamsToken(input.nextToken, order);
    const units = await source.units(prefix);
    const rows = units.flatMap((u) => u.streams.filter((s) => s.name.startsWith(prefix)).map((s) => ({ s, u, at: 0 })));
    // By time, every stream's last event is needed to order them; by name, only the page's.
    if (byTime) {
      const last = await this.lastEvents.of(group, source, units);
      for (const r of rows) r.at = last.get(r.s.name) ?? r.s.creationTime;
    }
    const cmp = (a: { at: number; name: string }, b: { at: number; name: string }) => (order.descending ? -1 : 1) * ((byTime ? a.at - b.at : 0) || compare(a.name, b.name));
    rows.sort((a, b) => cmp({ at: a.at, name: a.s.name }, { at: b.at, name: b.s.name }));
    const limit = input.limit ?? 50;
    const from = after === undefined ? 0 : 'offset' in after ? after.offset : rows.findIndex((r) => cmp({ at: r.at, name: r.s.name }, after) > 0);
    const listed = from < 0 ? [] : rows.slice(from, from + limit);
    if (!byTime) {
      const last = await this.lastEvents.of(group, source, [...new Set(listed.map((r) => r.u))]);
      for (const r of listed) r.at = last.get(r.s.name) ?? r.s.creationTime;
    }
    // The times CloudWatch Logs gives each stream (AWS updates them only eventually; Loam's are read from the log):
    // the first no earlier than the stream's creation, the last its newest event. Clients such as awslogs keep a
    // stream for a time window by them, and skip one that has none.
    const page = listed.map(({ s, at }) => ({
      logStreamName: s.name, creationTime: s.creationTime, firstEventTimestamp: s.creationTime, lastEventTimestamp: at, lastIngestionTime: at,
      arn: `${this.groupArn(group)}:log-stream:${s.name}`, storedBytes: 0,
    }));
    const end = listed.at(-1);
    const more = from >= 0 && from + limit < rows.length && end !== undefined;
    return { logStreams: page, ...(more ? { nextToken: encodeStreamsToken({ at: end.at, name: end.s.name }, order) } : {}) };
  }

  /**
   * Forward from `nextToken` (`f/…`), or from the first event at or after `startTime` with `startFromHead`, else
   * the last `limit` events. At the end of what is written so far, `nextForwardToken` is the token passed in.
   * `nextBackwardToken` (`b/…`) reads the `limit` events before the page, backward from where it starts, at the cost
   * of the page; `b/` is the start of the log. At the start, the token passed in comes back (as CloudWatch Logs does).
   * `endTime` is exclusive (an event stamped at it is not included), as CloudWatch Logs documents; FilterLogEvents's is inclusive.
   * A token names the group and stream it reads, and is refused for another (its position may fall inside a line there).
   * @throws ResourceNotFound for a stream the group does not have; ValidationException for a bad token or another stream's.
   */
  async GetLogEvents(input: InputOf<Ops['GetLogEvents']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetLogEvents']>> {
    const g = await this.group(input);
    const { unit, host } = await this.stream(g, input.logStreamName);
    const limit = input.limit ?? 10_000;
    const keep = (l: RunnerLogLine) => l.host === host && (input.startTime === undefined || l.time >= input.startTime) && (input.endTime === undefined || l.time < input.endTime);
    const token = input.nextToken;
    const tag = tagOf(g.name, input.logStreamName);
    const f = (at: string | undefined) => `f/${at ?? ''}.${tag}`;
    const b = (at: string | undefined) => `b/${at ?? ''}.${tag}`;
    const given = token === undefined ? undefined : decodeStreamToken(token, tag);
    if (given?.way === 'b') {
      const at = given.at;
      // `b/` is the start: nothing is before it.
      const back = at === '' ? undefined : await this.readBack(g.source, unit, at, limit, keep);
      if (!back || back.read === 0) return { events: [], nextForwardToken: f(at), nextBackwardToken: token as string };
      return { events: back.events, nextForwardToken: f(at), nextBackwardToken: b(back.before) };
    }
    const from = given?.at;
    if (token !== undefined || input.startFromHead) {
      const { events, at } = await this.readForward(g.source, unit, from === '' ? undefined : from, limit, keep);
      return { events, nextForwardToken: f(at), nextBackwardToken: b(from) };
    }
    // The default (startFromHead false): the newest `limit` events, read backward from the end so that a page costs
    // what it holds, not the log. The forward token is where a forward read of the whole log would have stopped.
    const { events, end, read, before } = await this.readBack(g.source, unit, undefined, limit, keep);
    // A log with no line yet: the forward token reads from its start, as before any line was written.
    return { events, nextForwardToken: f(read > 0 ? end : undefined), nextBackwardToken: b(before) };
  }

  /**
   * Up to `limit` kept events before `before` (the end when absent), oldest first, read backward: every page asks for
   * no more lines than are still wanted, so none is skipped and the read costs the page. `before` in the result is
   * where the first line read starts (absent at the start of the log); `end` is the token after the newest line read.
   */
  private async readBack(source: LogGroupSource, unit: LogUnit, from: string | undefined, limit: number, keep: (l: RunnerLogLine) => boolean) {
    let events: LogEvent[] = [];
    let end: string | undefined;
    let read = 0;
    let before = from;
    for (;;) {
      const page = await asTheirs(() => source.readBackward(unit, { ...(before ? { before } : {}), limit: limit - events.length }));
      end ??= page.after;
      read += page.lines.length;
      events = page.lines.filter(keep).map(eventOf).concat(events);
      before = page.before;
      if (events.length >= limit || before === undefined) break;
    }
    return { events, end, read, before };
  }

  /**
   * The events of the streams named (or under a prefix, or all), within the time window, matching the pattern, from
   * every stream interleaved by timestamp as CloudWatch Logs returns them (a tie in the order the units started, then
   * as written): a merge of the units (jobs, instances), each read in the order written. The token holds where each
   * unit read so far stands, so paging returns every event once and in the same order as one call would. `eventId`
   * is the event's own (two lines alike in one millisecond have two) and the same however the events are read or
   * paged, so `aws logs tail --follow` prints each once.
   * @throws ResourceNotFound for a log group Loam does not keep; ValidationException for both names and a prefix, a pattern Loam cannot evaluate, or a bad token (another group's too).
   */
  async FilterLogEvents(input: InputOf<Ops['FilterLogEvents']>, _ctx: RequestContext): Promise<OutputOf<Ops['FilterLogEvents']>> {
    const g = await this.group(input);
    if (input.logStreamNames && input.logStreamNamePrefix !== undefined) {
      throw new ValidationError('logStreamNames and logStreamNamePrefix cannot both be given.', [{ path: '/logStreamNamePrefix', message: 'with logStreamNames' }]);
    }
    const matches = compilePattern(input.filterPattern ?? '');
    const at = decodeFilterToken(input.nextToken, g.name);
    // The hosts to read of each unit, by its key.
    const wanted = new Map<string, { unit: LogUnit; hosts: Map<string, string> }>();
    const add = (unit: LogUnit, host: string, stream: string) => {
      const w = wanted.get(unit.key) ?? { unit, hosts: new Map<string, string>() };
      w.hosts.set(host, stream);
      wanted.set(unit.key, w);
    };
    if (input.logStreamNames) {
      for (const name of input.logStreamNames) {
        try {
          const { unit, host } = await this.stream(g, name);
          add(unit, host, name);
        } catch (e) {
          if (!(isLoamError(e) && e.code === 'ResourceNotFound')) throw e;
        }
      }
    } else {
      const prefix = input.logStreamNamePrefix ?? '';
      for (const unit of await g.source.units(prefix)) {
        for (const s of unit.streams) if (s.name.startsWith(prefix)) add(unit, s.host, s.name);
      }
    }
    // A unit that ended a minute before the window opens, or started a minute after it closes, has nothing to
    // return (a line it writes later is after the window opens: it is read from its start then). A closed unit that
    // ended a minute before the last event an earlier page returned was read whole: its position leaves the token.
    // One that may still grow keeps its position, else a line it writes later would make it read from its start.
    const passed = (unit: LogUnit, t: number | undefined) => unit.endTime !== undefined && t !== undefined && unit.endTime + 60_000 < t;
    const cursors = [...wanted.values()]
      .filter(({ unit }) => !passed(unit, input.startTime) && !(unit.closed === true && passed(unit, at?.after)))
      .filter(({ unit }) => !(input.endTime !== undefined && unit.startTime - 60_000 > input.endTime))
      .sort((a, b) => a.unit.startTime - b.unit.startTime || compare(a.unit.key, b.unit.key))
      .map(({ unit, hosts }) => {
        const keep = (l: RunnerLogLine) => hosts.has(l.host) && (input.startTime === undefined || l.time >= input.startTime) && (input.endTime === undefined || l.time <= input.endTime) && matches(l.line);
        const pos = at && Object.hasOwn(at.positions, unit.key) ? at.positions[unit.key] : undefined;
        return new FilterCursor(g.source, unit, hosts, keep, pos ? { token: pos[0] ?? undefined, skip: pos[1] } : { token: undefined, skip: 0 });
      });
    const limit = input.limit ?? 10_000;
    const budget: ScanBudget = { lines: SCAN_LIMIT, reads: 2000, progressed: false };
    const events: OutputOf<Ops['FilterLogEvents']>['events'] = [];
    // Units join the merge in the order they started, once the earliest line found may be as late as their start:
    // a group's hundreds of finished jobs are not all read to return the first of them.
    const active: FilterCursor[] = [];
    let joined = 0;
    let complete = false;
    merge: while (events.length < limit) {
      let next: FilterCursor | undefined;
      let earliest: RunnerLogLine | undefined;
      for (let k = 0; k < active.length || joined < cursors.length; k++) {
        if (k === active.length) {
          const u = cursors[joined] as FilterCursor;
          if (earliest && u.unit.startTime - 60_000 > earliest.time) break;
          active.push(u);
          joined++;
        }
        const c = active[k] as FilterCursor;
        const head = await c.head(limit - events.length, budget);
        if (head === 'budget') break merge;
        if (head === undefined) {
          // At its end for this call: out of the merge, so a page through thousands of finished jobs does not ask
          // each of them again for every event (its position stays with the cursor).
          active.splice(k--, 1);
          continue;
        }
        if (head && (!earliest || head.time < earliest.time)) {
          next = c;
          earliest = head;
        }
      }
      if (!next) {
        complete = true;
        break;
      }
      const { line: l, start } = next.take(budget);
      const logStreamName = next.hosts.get(l.host) as string;
      events.push({ logStreamName, ...eventOf(l), eventId: eventId(logStreamName, start, l) });
    }
    if (complete) return { events, searchedLogStreams: [] };
    const last = events.at(-1)?.timestamp ?? at?.after;
    // A closed unit the next page leaves out (read whole) has no position in the token: a token holds the units of
    // about the last minute and the ones that may grow, not every job a page went through.
    const positions: Record<string, [string | null, number]> = {};
    for (const c of cursors) {
      if (c.unit.closed === true && passed(c.unit, last)) continue;
      const p = c.position();
      if (p.token !== undefined || p.skip > 0) positions[c.unit.key] = [p.token ?? null, p.skip];
    }
    return { events, searchedLogStreams: [], nextToken: encodeFilterToken({ positions, ...(last !== undefined ? { after: last } : {}) }, g.name) };
  }

  /** Up to `limit` kept lines from `from` on: every page asks for no more lines than are still wanted, so none is skipped. */
  private async readForward(source: LogGroupSource, unit: LogUnit, from: string | undefined, limit: number, keep: (l: RunnerLogLine) => boolean) {
    const lines: RunnerLogLine[] = [];
    let at = from;
    let scanned = 0;
    let reachedEnd = false;
    // Bounded in lines and in reads (a small limit reads small pages), so one request over a huge log stays short.
    for (let reads = 0; lines.length < limit && scanned < SCAN_LIMIT && reads < 2000; reads++) {
      const page = await asTheirs(() => source.read(unit, { ...(at ? { token: at } : {}), limit: Math.min(limit - lines.length, 10_000) }));
      if (page.lines.length === 0) {
        reachedEnd = true;
        break;
      }
      scanned += page.lines.length;
      at = page.nextToken;
      for (const l of page.lines) if (keep(l)) lines.push(l);
    }
    return { lines, events: lines.map(eventOf), at, scanned, exhausted: !reachedEnd && lines.length < limit };
  }

  private async group(input: { readonly logGroupName?: string; readonly logGroupIdentifier?: string }): Promise<{ name: string; source: LogGroupSource }> {
    const name = logGroupNameOf(input);
    if (name === undefined) throw new ValidationError('Either logGroupName or logGroupIdentifier is required.', [{ path: '/logGroupName', message: 'required' }]);
    const source = await this.o.groups.get(name);
    if (!source) {
      throw new LoamError('ResourceNotFound', `The specified log group does not exist: '${name}'. Loam keeps the logs of its jobs in ${jobLogGroups.join(', ')}, and an endpoint's in /aws/sagemaker/Endpoints/<endpoint name> until DeleteEndpoint.`);
    }
    return { name, source };
  }

  private async stream(g: { name: string; source: LogGroupSource }, name: string): Promise<{ unit: LogUnit; host: string }> {
    const found = await g.source.stream(name);
    if (!found) throw new LoamError('ResourceNotFound', `The specified log stream does not exist: '${name}' in ${g.name} (streams are ${g.source.streamNames}).`);
    return found;
  }

  private groupArn(group: string): string {
    return `arn:loam:logs:${this.o.partition.region}:${this.o.partition.accountId}:log-group:${group}`;
  }
}

/** A log line as a CloudWatch Logs event: Loam stores a line as it is written, so it is ingested at its own time. */
function eventOf(l: RunnerLogLine): LogEvent {
  return { timestamp: Math.round(l.time), message: l.line, ingestionTime: Math.round(l.time) };
}

/** Event ids are 56 decimal digits, the first not 0, as CloudWatch Logs' look: 9 × 10^55 of them (over 2^185). */
const EVENT_ID_BASE = 10n ** 55n;

/**
 * The event's own: the same however it is read or paged, and after a restart (it is made of what the log holds), and
 * another for each line, also for two lines alike written in the same millisecond (`aws logs tail --follow` prints an
 * eventId once per timestamp). `start` is the source's token at the line, which names it (`LogPage.starts`). The API
 * types it as a string and no client reads into it; it has CloudWatch Logs' form (56 digits) for tools that store or
 * check it as theirs.
 */
function eventId(stream: string, start: string, l: RunnerLogLine): string {
  const h = BigInt(`0x${createHash('sha256').update(`${stream}\0${start}\0${l.time}\0${l.line}`).digest('hex')}`);
  return (EVENT_ID_BASE + (h % (9n * EVENT_ID_BASE))).toString();
}

/**
 * A filter pattern as CloudWatch Logs reads its text form: every term must appear (case-sensitive), a "quoted
 * phrase" as a whole, `?term`s any one of them, `-term` must not. JSON (`{ $.x = 1 }`) and space-delimited
 * (`[a, b]`) patterns are refused rather than matched as text.
 */
function compilePattern(pattern: string): (line: string) => boolean {
  const p = pattern.trim();
  if (p === '') return () => true;
  if (p.startsWith('{') || p.startsWith('[')) {
    throw new ValidationError(`filterPattern '${echo(p)}': Loam matches terms, "quoted phrases", ?any-of and -excluded terms, not JSON or space-delimited patterns.`, [{ path: '/filterPattern', message: 'unsupported pattern' }]);
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const m of p.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string);
    (m[1] === '?' ? any : m[1] === '-' ? none : all).push(term);
  }
  return (line) => all.every((t) => line.includes(t)) && (any.length === 0 || any.some((t) => line.includes(t))) && !none.some((t) => line.includes(t));
}

/**
 * What a token is bound to (a GetLogEvents token to its group and stream, a FilterLogEvents token to its group): a
 * source's positions mean nothing in another log, where a byte offset may fall inside a line, so another's token is
 * refused as CloudWatch Logs refuses one it did not issue.
 */
function tagOf(...names: readonly string[]): string {
  return createHash('sha256').update(names.join('\0')).digest('base64url').slice(0, 12);
}

/**
 * A GetLogEvents token: `f/` (forward) or `b/` (backward), the source's position ('' for the start of the log) and,
 * after the last `.` (a tag, base64url, has none), the tag of the stream it reads. A token without a tag, as
 * an earlier Loam issued them, is taken as it was then, so a client paging across an upgrade reads on.
 */
function decodeStreamToken(token: string, tag: string): { way: 'f' | 'b'; at: string } {
  const way = token.startsWith('f/') ? 'f' : token.startsWith('b/') ? 'b' : undefined;
  if (way === undefined) throw badToken();
  const rest = token.slice(2);
  const dot = rest.lastIndexOf('.');
  if (dot >= 0 && rest.slice(dot + 1) !== tag) throw badToken();
  return { way, at: dot >= 0 ? rest.slice(0, dot) : rest };
}

/** Where a FilterLogEvents page stopped: each unit's read position (a source token and lines of it already read) and the last timestamp returned. */
interface FilterToken {
  readonly positions: Readonly<Record<string, readonly [string | null, number]>>;
  readonly after?: number;
}

/** `g` is the tag of the group ({@link tagOf}): the positions are its units' (another group may have a unit of the same key). */
function encodeFilterToken(t: FilterToken, group: string): string {
  return Buffer.from(JSON.stringify({ p: t.positions, ...(t.after !== undefined ? { a: t.after } : {}), g: tagOf(group) })).toString('base64url');
}

/** A token without `g` (an earlier Loam's) is taken as it was then. */
function decodeFilterToken(token: string | undefined, group: string): FilterToken | undefined {
  if (token === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown; a?: unknown; g?: unknown };
    const p = v.p as Record<string, unknown> | undefined;
    const valid = typeof p === 'object' && p !== null && !Array.isArray(p)
      && Object.values(p).every((e) => Array.isArray(e) && e.length === 2 && (e[0] === null || typeof e[0] === 'string') && Number.isInteger(e[1]) && (e[1] as number) >= 0);
    if (valid && (v.a === undefined || typeof v.a === 'number') && (v.g === undefined || v.g === tagOf(group))) {
      return { positions: p as Record<string, [string | null, number]>, ...(typeof v.a === 'number' ? { after: v.a } : {}) };
    }
  } catch {
    // fall through
  }
  throw badToken();
}

/** What one FilterLogEvents call may still read: lines passed over or returned, and source reads. */
interface ScanBudget {
  lines: number;
  reads: number;
  progressed: boolean;
}

/**
 * One unit's lines as FilterLogEvents merges them: read a page at a time, its position the token the page was read
 * from and how many lines of the page are behind it, so a token resumes exactly after the last line taken.
 */
class FilterCursor {
  private page: readonly RunnerLogLine[] = [];
  private starts: readonly string[] = [];
  private i = 0;
  private pageToken: string | undefined;
  private afterPage: string | undefined;
  private pending: number;
  private ended = false;

  constructor(
    private readonly source: LogGroupSource,
    readonly unit: LogUnit,
    readonly hosts: ReadonlyMap<string, string>,
    private readonly keep: (l: RunnerLogLine) => boolean,
    from: { readonly token: string | undefined; readonly skip: number },
  ) {
    this.pageToken = from.token;
    this.pending = from.skip;
  }

  /**
   * The next kept line (passing over the others), undefined at the end of what the unit holds now, 'budget' when the
   * scan budget ran out first (only once a line was passed over or taken, so every page moves on).
   */
  async head(want: number, budget: ScanBudget): Promise<RunnerLogLine | undefined | 'budget'> {
    for (;;) {
      while (this.i < this.page.length) {
        const l = this.page[this.i] as RunnerLogLine;
        if (this.keep(l)) return l;
        this.i++;
        budget.lines--;
        budget.progressed = true;
      }
      if (this.ended) return undefined;
      if ((budget.lines <= 0 || budget.reads <= 0) && budget.progressed) return 'budget';
      if (this.page.length > 0) {
        this.pageToken = this.afterPage;
        this.page = [];
        this.i = 0;
      }
      const token = this.pageToken;
      // Lines an earlier call read past within its page are read over first, to a token of the source's own: so a
      // position never has more than a page of lines to pass over again.
      const skipping = this.pending > 0;
      const got = await asTheirs(() => this.source.read(this.unit, { ...(token ? { token } : {}), limit: skipping ? Math.min(this.pending, 10_000) : Math.min(Math.max(want, 1), PAGE_LINES) }));
      budget.reads--;
      if (got.lines.length === 0) {
        // The end of what the unit holds for now: a later page starts here again.
        this.ended = true;
        return undefined;
      }
      if (skipping) {
        this.pageToken = got.nextToken;
        this.pending = Math.max(0, this.pending - got.lines.length);
        continue;
      }
      this.page = got.lines;
      this.starts = got.starts;
      this.afterPage = got.nextToken;
    }
  }

  /** The head line, taken, with the source's token at it. */
  take(budget: ScanBudget): { line: RunnerLogLine; start: string } {
    const line = this.page[this.i] as RunnerLogLine;
    const start = this.starts[this.i];
    if (start === undefined) throw new Error(`log source of '${this.unit.key}' gave ${this.page.length} lines and ${this.starts.length} starts`);
    this.i++;
    budget.lines--;
    budget.progressed = true;
    return { line, start };
  }

  /** Where a later page goes on from: after every line taken or passed over. */
  position(): { token: string | undefined; skip: number } {
    if (this.page.length === 0) return { token: this.pageToken, skip: this.pending };
    if (this.i >= this.page.length) return { token: this.afterPage, skip: 0 };
    return { token: this.pageToken, skip: this.i };
  }
}

/** CloudWatch orders stream names by their bytes (UTF-8 code units), not by locale. */
function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A source's read, its refusal of a position inside the client's token answered as the token's refusal. */
async function asTheirs<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (isLoamError(e) && e.code === 'ValidationException') throw badToken();
    throw e;
  }
}

/**
 * CloudWatch Logs' words for a token it did not issue, the same for every way a token is wrong: the message quotes
 * nothing of the token, whose inside (a source's read positions) is no business of the client's.
 */
function badToken(): ValidationError {
  return new ValidationError('The specified nextToken is invalid: pass back a nextToken exactly as an earlier answer gave it, or none to start from the beginning.', [{ path: '/nextToken', message: 'invalid token' }]);
}

/** Where a DescribeLogStreams page ended: the last stream's name and, ordered by time, its last event time. */
interface StreamsOrder {
  readonly byTime: boolean;
  readonly descending: boolean;
}

function encodeStreamsToken(last: { at: number; name: string }, order: StreamsOrder): string {
  return Buffer.from(JSON.stringify({ n: last.name, ...(order.byTime ? { t: last.at } : {}), d: order.descending ? 1 : 0 })).toString('base64url');
}

/**
 * A token of another order (by name or by time, ascending or descending) is refused: its place means nothing in this
 * one. An offset (`{o}`), as an earlier Loam issued them, is taken as it was then.
 */
function decodeStreamsToken(token: string | undefined, order: StreamsOrder): { at: number; name: string } | { offset: number } | undefined {
  if (token === undefined) return undefined;
  let v: { n?: unknown; t?: unknown; d?: unknown };
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof v;
  } catch {
    throw badToken();
  }
  if (isOffsetToken(token)) return { offset: decodeOffset(token) };
  const ok = typeof v === 'object' && v !== null && typeof v.n === 'string' && v.d === (order.descending ? 1 : 0)
    && (order.byTime ? typeof v.t === 'number' && Number.isFinite(v.t) : v.t === undefined);
  if (!ok) throw badToken();
  return { at: order.byTime ? (v.t as number) : 0, name: v.n as string };
}

/** DescribeLogGroups' one order (by name), as its keyset tokens hold it. */
const GROUPS_ORDER = 'logGroupName';

/** An earlier Loam's offset token (`{o}`), as DescribeLogGroups and DescribeLogStreams issued them. */
function isOffsetToken(token: string | undefined): token is string {
  if (token === undefined) return false;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && 'o' in v;
  } catch {
    return false;
  }
}

function encodeOffset(n: number): string {
  return Buffer.from(JSON.stringify({ o: n })).toString('base64url');
}

function decodeOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    if (Number.isInteger(v.o) && (v.o as number) >= 0) return v.o as number;
  } catch {
    // fall through
  }
  throw badToken();
}
