import type { LogPage, LogTailPage } from '../ports/job-executor.js';

/** One stream of a log unit: the lines of one host. */
export interface LogUnitStream {
  /** The CloudWatch Logs stream name, e.g. `my-job/algo-1-1795872581` or `AllTraffic/my-ep-alltraffic-1`. */
  readonly name: string;
  /** The `host` of the unit's lines that make this stream. */
  readonly host: string;
  /** Epoch ms. */
  readonly creationTime: number;
}

/**
 * What one readable log holds: a job's (its hosts' lines in one file) or an endpoint instance's. Its streams are
 * the hosts of its lines.
 */
export interface LogUnit {
  /** Unique within its group (a job's name, an instance's stream name): what a FilterLogEvents token carries on from. */
  readonly key: string;
  /** Epoch ms before which it holds no line. */
  readonly startTime: number;
  /**
   * What tells it from an earlier unit of the same key (a log removed and made again), where `startTime` may not:
   * the same string for as long as it is the same log. Absent when `startTime` does (a job's start).
   */
  readonly incarnation?: string;
  /** Epoch ms after which it holds no line now (a finished job's end, an instance's last write so far); absent when unknown. */
  readonly endTime?: number;
  /**
   * No line will be added to it (a finished job's log). A unit not closed may grow after its `endTime` (a running
   * endpoint instance idle for a while), so FilterLogEvents keeps its read position in every later token.
   */
  readonly closed?: boolean;
  readonly streams: readonly LogUnitStream[];
}

/** The streams of one log group, over whatever keeps their lines. */
export interface LogGroupSource {
  /** How its stream names are made, for a stream that does not exist (`<job name>/algo-<n>-<start epoch>`). */
  readonly streamNames: string;
  /** The units whose streams may start with `prefix` (all for ''). */
  units(prefix: string): Promise<LogUnit[]>;
  /** The unit holding the stream named and the stream's host, or undefined when there is no such stream. */
  stream(name: string): Promise<{ readonly unit: LogUnit; readonly host: string } | undefined>;
  /**
   * Lines of a unit from `token` on (opaque, from an earlier page), at most `limit`.
   * @throws ValidationException for a token it did not issue.
   */
  read(unit: LogUnit, options: { readonly token?: string; readonly limit: number }): Promise<LogPage>;
  /**
   * The last lines of a unit before `before` (a token from `read` or from an earlier backward page; the end when
   * absent), oldest first, at most `limit`, at a cost proportional to the page: what GetLogEvents reads for the
   * newest events. Tokens are `read`'s: `after` is the token `read` gives after the last line returned.
   * @throws ValidationException for a token it did not issue.
   */
  readBackward(unit: LogUnit, options: { readonly before?: string; readonly limit: number }): Promise<LogTailPage>;
  /**
   * Each host's newest line's time (epoch ms), by host, as the unit's writers recorded it, without reading its lines
   * (`JobExecutor.readLastLogTimes`); a host without a record is absent. Optional: a source without it is read.
   */
  lastTimes?(unit: LogUnit): Promise<ReadonlyMap<string, number>>;
}

/** The log groups Loam serves. */
export interface LogGroups {
  /** Every group there is now, with its creation time (epoch ms). */
  list(): Promise<readonly { readonly name: string; readonly creationTime: number }[]>;
  /** The group named, or undefined when Loam keeps no such group. */
  get(name: string): Promise<LogGroupSource | undefined>;
}

/** Several sets of groups as one: fixed ones (the jobs' three) and ones that come and go (an endpoint's). */
export function combineLogGroups(...parts: readonly LogGroups[]): LogGroups {
  return {
    list: async () => (await Promise.all(parts.map((p) => p.list()))).flat(),
    get: async (name) => {
      for (const p of parts) {
        const g = await p.get(name);
        if (g) return g;
      }
      return undefined;
    },
  };
}

/** Groups that always exist, by name. */
export function fixedLogGroups(groups: Readonly<Record<string, LogGroupSource>>): LogGroups {
  return {
    list: async () => Object.keys(groups).map((name) => ({ name, creationTime: 0 })),
    get: async (name) => (Object.hasOwn(groups, name) ? groups[name] : undefined),
  };
}
