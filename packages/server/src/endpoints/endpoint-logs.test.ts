import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { endpointsCollection, LogStreamsService, silentLogger, systemPrincipal, type EndpointRecord, type LogGroupSource, type LogGroups } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { EndpointLogs } from './endpoint-logs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(segmentBytes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'loam-endpoint-logs-'));
  dirs.push(dir);
  const store = createMemoryMetadataStore({ collections: [endpointsCollection] });
  const endpoint = (name: string) => ({ key: name.toLowerCase(), name, arn: `arn:loam:sagemaker:us-east-1:000000000000:endpoint/${name.toLowerCase()}`, status: 'InService', configName: name, creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [] }) as unknown as EndpointRecord;
  await store.collection(endpointsCollection).insert(endpoint('My-Ep'));
  return { dir, store, logs: () => new EndpointLogs({ dir: join(dir, 'endpoint-logs'), store, logger: silentLogger, segmentBytes }), endpoint };
}

/** Every line of a stream, following tokens until one comes back unchanged. */
async function readAll(source: LogGroupSource, stream: string, limit = 3): Promise<{ lines: string[]; token: string | undefined }> {
  const { unit } = (await source.stream(stream))!;
  const lines: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await source.read(unit, { ...(token ? { token } : {}), limit });
    lines.push(...page.lines.map((l) => l.line));
    if (page.nextToken === token) break;
    token = page.nextToken;
  }
  return { lines, token };
}

describe('endpoint logs: kept per instance under the data directory, bounded by rotation', () => {
  it('serves an instance as <variant>/<instance id> of /aws/sagemaker/Endpoints/<name>, named as the endpoint is', async () => {
    const { logs } = await setup(1 << 20);
    const l = logs();
    const out = l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
    out('stdout', 'loading the model');
    out('stderr', 'Traceback (most recent call last):');
    expect(await l.groups.list()).toEqual([{ name: '/aws/sagemaker/Endpoints/My-Ep', creationTime: 1_700_000_000_000 }]);
    expect(await l.groups.get('/aws/sagemaker/Endpoints/my-ep')).toBeUndefined();
    expect(await l.groups.get('/aws/sagemaker/Endpoints/Other')).toBeUndefined();
    const source = (await l.groups.get('/aws/sagemaker/Endpoints/My-Ep'))!;
    expect((await source.units('')).map((u) => u.streams.map((s) => s.name))).toEqual([['AllTraffic/my-ep-alltraffic-1']]);
    expect(await source.stream('AllTraffic/../../x')).toBeUndefined();
    expect(await source.stream('AllTraffic/my-ep-alltraffic-2')).toBeUndefined();
    expect((await readAll(source, 'AllTraffic/my-ep-alltraffic-1')).lines).toEqual(['loading the model', 'Traceback (most recent call last):']);
  });

  it('drops the oldest segment past the cap, reads on across segments, and a token survives rotation and a new writer (a restart)', async () => {
    const { dir, logs } = await setup(400);
    const l = logs();
    const out = l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
    const source = (await l.groups.get('/aws/sagemaker/Endpoints/My-Ep'))!;
    for (let i = 0; i < 6; i++) out('stdout', `line ${i}`);
    const first = await readAll(source, 'AllTraffic/my-ep-alltraffic-1');
    expect(first.lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    for (let i = 6; i < 40; i++) out('stdout', `line ${i}`);
    // Two segments (and the stream's recorded creation time).
    const files = readdirSync(join(dir, 'endpoint-logs', 'my-ep', 'AllTraffic', 'my-ep-alltraffic-1'));
    expect(files.filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);
    expect(files).toContain('created');
    // The whole stream now: its newest two segments, in order, the oldest lines gone.
    const whole = await readAll(source, 'AllTraffic/my-ep-alltraffic-1');
    expect(whole.lines.at(-1)).toBe('line 39');
    expect(whole.lines.length).toBeLessThan(40);
    expect(whole.lines).toEqual(Array.from({ length: whole.lines.length }, (_, k) => `line ${40 - whole.lines.length + k}`));
    // A token issued before the rotation (in a dropped segment) reads on from the oldest kept line.
    const { unit } = (await source.stream('AllTraffic/my-ep-alltraffic-1'))!;
    const resumed: string[] = [];
    for (let token = first.token!, i = 0; i < 10; i++) {
      const page = await source.read(unit, { token, limit: 1000 });
      resumed.push(...page.lines.map((x) => x.line));
      token = page.nextToken;
    }
    expect(resumed).toEqual(whole.lines);
    // A new server's writer appends to the same stream, and the last token reads just what it wrote.
    const again = logs();
    again.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1')('stderr', 'after the restart');
    const source2 = (await again.groups.get('/aws/sagemaker/Endpoints/My-Ep'))!;
    const { unit: unit2 } = (await source2.stream('AllTraffic/my-ep-alltraffic-1'))!;
    expect((await source2.read(unit2, { token: whole.token!, limit: 10 })).lines.map((x) => x.line)).toEqual(['after the restart']);
  });

  it('removes an endpoint\'s logs; an instance started before writes them no more; sweep removes those of endpoints not stored', async () => {
    const { dir, store, logs, endpoint } = await setup(1 << 20);
    const l = logs();
    const out = l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
    out('stdout', 'one');
    l.remove('My-Ep');
    out('stdout', 'late line of a stopped instance');
    expect(readdirSync(join(dir, 'endpoint-logs'))).toEqual([]);
    await store.collection(endpointsCollection).insert(endpoint('Gone'));
    l.writer('Gone', 'AllTraffic', 'gone-alltraffic-1')('stdout', 'x');
    l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2')('stdout', 'y');
    await store.collection(endpointsCollection).delete('gone');
    expect(await l.sweep()).toEqual(['gone']);
    expect(readdirSync(join(dir, 'endpoint-logs'))).toEqual(['my-ep']);
  });

  it('an instance started in the same millisecond as a removal, after it, writes its logs', async () => {
    const { dir, logs } = await setup(1 << 20);
    const l = logs();
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    try {
      l.remove('My-Ep');
      l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-2')('stdout', 'first line of the new instance');
    } finally {
      now.mockRestore();
    }
    expect(readdirSync(join(dir, 'endpoint-logs'))).toEqual(['my-ep']);
  });

  describe('reading a long stream', () => {
    const n = 60_000;
    const ctx = { principal: systemPrincipal, requestId: 'test' };
    const group = '/aws/sagemaker/Endpoints/My-Ep';
    const stream = 'AllTraffic/my-ep-alltraffic-1';
    /** The endpoints' groups, counting the lines their sources hand over (what a read costs). */
    const counted = (groups: LogGroups) => {
      const handed = { forward: 0, backward: 0 };
      const wrapped: LogGroups = {
        list: () => groups.list(),
        get: async (name) => {
          const s = await groups.get(name);
          return (
            s && {
              ...s,
              read: async (u, o) => {
                const page = await s.read(u, o);
                handed.forward += page.lines.length;
                return page;
              },
              readBackward: async (u, o) => {
                const page = await s.readBackward(u, o);
                handed.backward += page.lines.length;
                return page;
              },
            }
          );
        },
      };
      return { handed, wrapped };
    };
    const write = async (segmentBytes: number) => {
      const s = await setup(segmentBytes);
      const l = s.logs();
      const out = l.writer('My-Ep', 'AllTraffic', 'my-ep-alltraffic-1');
      for (let i = 0; i < n; i++) out('stdout', `line ${i} of a long model-server log`);
      return l;
    };

    it("GetLogEvents' default (the newest events) reads the page back from the end, not the whole stream, and keeps its tokens", async () => {
      const l = await write(64 << 20);
      const { handed, wrapped } = counted(l.groups);
      const logs = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: wrapped });
      const tail = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream, limit: 100 }, ctx);
      expect(tail.events.map((e) => e.message)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${n - 100 + i} of a long model-server log`));
      // The old read went through all 60,000 lines; the page is a few hundred at most.
      expect(handed.forward + handed.backward).toBeLessThan(2_000);
      // The backward token reads the page before it, at the cost of that page too.
      const back = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream, limit: 100, nextToken: tail.nextBackwardToken }, ctx);
      expect(back.events.map((e) => e.message)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${n - 200 + i} of a long model-server log`));
      expect(handed.forward + handed.backward).toBeLessThan(4_000);
      // The forward token is where a forward read of the whole stream ends: reading on gives nothing and the same token.
      let token: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream, startFromHead: true, limit: 10_000, ...(token ? { nextToken: token } : {}) }, ctx);
        if (page.nextForwardToken === token) break;
        token = page.nextForwardToken;
      }
      expect(tail.nextForwardToken).toBe(token);
      const on = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream, nextToken: tail.nextForwardToken }, ctx);
      expect(on.events).toEqual([]);
      expect(on.nextForwardToken).toBe(tail.nextForwardToken);
      // The default limit (10,000) over pages of about 1 MiB, and a time window that keeps only older lines.
      const all = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream }, ctx);
      expect(all.events).toHaveLength(10_000);
      expect(all.events[0]?.message).toBe(`line ${n - 10_000} of a long model-server log`);
      const early = await logs.GetLogEvents({ logGroupName: group, logStreamName: stream, endTime: tail.events[0]!.timestamp - 1, limit: 5 }, ctx);
      expect(early.events.length).toBe(5);
      expect(early.events.every((e) => e.timestamp < tail.events[0]!.timestamp)).toBe(true);
    });

    it('reads the newest events across rotated segments, backward page after page as forward', async () => {
      const l = await write(1 << 20);
      const source = (await l.groups.get(group))!;
      const { unit } = (await source.stream(stream))!;
      const forward = await readAll(source, stream, 5_000);
      const backward: string[][] = [];
      let before: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const page = await source.readBackward(unit, { ...(before ? { before } : {}), limit: 3_000 });
        if (i === 0) expect(page.after).toBe(forward.token);
        backward.unshift(page.lines.map((x) => x.line));
        if (page.before === undefined) break;
        before = page.before;
      }
      expect(backward.flat()).toEqual(forward.lines);
      // Two segments of 1 MiB kept, the oldest output dropped.
      expect(forward.lines.length).toBeLessThan(n);
      expect(forward.lines.at(-1)).toBe(`line ${n - 1} of a long model-server log`);
    });

    it('reads a stream without blocking the event loop: other requests run between its pages', async () => {
      const l = await write(64 << 20);
      const source = (await l.groups.get(group))!;
      let turns = 0;
      let ticking = true;
      const tick = (): void => {
        turns++;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      let read: { lines: string[] };
      try {
        read = await readAll(source, stream, 5_000);
      } finally {
        ticking = false;
      }
      expect(read.lines).toHaveLength(n);
      // Twelve pages read: with synchronous reads the loop never turned.
      expect(turns).toBeGreaterThan(5);
    });
  });
});
