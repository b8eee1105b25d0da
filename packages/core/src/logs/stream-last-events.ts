import type { LogGroupSource, LogUnit } from './log-groups.js';

/** Lines read back from a unit's end at most to find when each of its streams last wrote. */
const SCAN_LINES = 10_000;
/**
 * Closed units whose streams' last events are remembered per group (they no longer change): at least this many, and
 * as many as a call asks for, so a group of more finished jobs than this is not read whole on every call.
 */
const REMEMBERED = 10_000;
/** Units read at once. */
const CONCURRENCY = 16;

/**
 * When each stream of a unit last wrote (epoch ms): the time of its host's newest line, read back from the unit's
 * end, what CloudWatch Logs reports as a stream's `lastEventTimestamp` and orders `LastEventTime` by. No earlier than
 * the stream's creation; a stream without a line has its creation time. A host with no line among the unit's newest
 * 10,000 (a quiet host of a job whose other hosts write much) gets the oldest of those lines' time, which bounds its
 * own from above. A closed unit's answers (a finished job's) are remembered, so listing a group of many finished jobs
 * by LastEventTime reads each of them once.
 */
export class StreamLastEvents {
  /** Per group, by unit key and start time, the oldest remembered first. */
  private readonly closed = new Map<string, Map<string, ReadonlyMap<string, number>>>();

  /** Each stream's last event time, by stream name, of the units given. */
  async of(group: string, source: LogGroupSource, units: readonly LogUnit[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // Room for every unit asked for: ordering by LastEventTime asks for all of a group's, in the same order each call,
    // and with less room each one was pushed out before it was asked for again (every finished job read every call).
    const room = Math.max(REMEMBERED, units.length);
    let next = 0;
    const work = async () => {
      while (next < units.length) {
        const u = units[next++] as LogUnit;
        const byHost = await this.unit(group, source, u, room);
        for (const s of u.streams) out.set(s.name, Math.max(s.creationTime, byHost.get(s.host) ?? s.creationTime));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, units.length) }, work));
    return out;
  }

  private async unit(group: string, source: LogGroupSource, u: LogUnit, room: number): Promise<ReadonlyMap<string, number>> {
    // The start time tells a job from one of the same name created again after it was deleted.
    const key = `${u.key}\0${u.startTime}`;
    const known = this.closed.get(group)?.get(key);
    if (known) return known;
    const hosts = new Set(u.streams.map((s) => s.host));
    const found = new Map<string, number>();
    let before: string | undefined;
    let read = 0;
    let oldest: number | undefined;
    // One line first: most units have one stream (an endpoint instance, a job on one host).
    for (let want = 1, pages = 0; found.size < hosts.size && read < SCAN_LINES && pages < 100; want = Math.min(1000, SCAN_LINES - read), pages++) {
      const page = await source.readBackward(u, { ...(before !== undefined ? { before } : {}), limit: want });
      read += page.lines.length;
      for (let i = page.lines.length - 1; i >= 0; i--) {
        const l = page.lines[i]!;
        if (hosts.has(l.host) && !found.has(l.host)) found.set(l.host, Math.round(l.time));
      }
      if (page.lines.length > 0) oldest = Math.round(page.lines[0]!.time);
      if (page.before === undefined) {
        // Read back to the start: a host not found wrote nothing.
        oldest = undefined;
        break;
      }
      before = page.before;
    }
    if (oldest !== undefined) for (const h of hosts) if (!found.has(h)) found.set(h, oldest);
    if (u.closed === true) {
      let remembered = this.closed.get(group);
      if (!remembered) this.closed.set(group, (remembered = new Map()));
      if (remembered.size >= room) remembered.delete(remembered.keys().next().value as string);
      remembered.set(key, found);
    }
    return found;
  }
}
