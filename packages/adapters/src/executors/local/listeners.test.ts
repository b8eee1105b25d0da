import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackListenerUids, loopbackPortHeldBy } from './listeners.js';

const me = process.getuid?.() ?? 0;
const servers: Server[] = [];
const listen = (host: string, port = 0) => new Promise<number>((resolve, reject) => {
  const s = createServer();
  servers.push(s);
  s.once('error', reject);
  s.listen(port, host, () => resolve((s.address() as { port: number }).port));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe.runIf(process.platform === 'linux')('who listens on a loopback port', () => {
  it('finds this process\'s listener on 127.0.0.1, 0.0.0.0 and ::, and nothing on a closed port', async () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::']) {
      const port = await listen(host);
      expect(loopbackListenerUids(port), host).toEqual([me]);
      expect(loopbackPortHeldBy(port, me), host).toBe(true);
      expect(loopbackPortHeldBy(port, me + 1), host).toBe(false);
    }
    const closed = await listen('127.0.0.1');
    await new Promise((r) => (servers.pop() as Server).close(r));
    expect(loopbackListenerUids(closed)).toEqual([]);
    // Nobody holds it: not the instance's either.
    expect(loopbackPortHeldBy(closed, me)).toBe(false);
  });

  it('ignores listeners on other addresses and connections that are not listening', async () => {
    const port = await listen('127.0.0.2').catch(() => undefined);
    if (port !== undefined) expect(loopbackListenerUids(port)).toEqual([]);
    const server = await listen('127.0.0.1');
    const { connect } = await import('node:net');
    const c = connect(server, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    // The client's own socket (its local port) is not a listener.
    expect(loopbackListenerUids(c.localPort as number)).toEqual([]);
    c.destroy();
  });

  it.runIf(me === 0)('tells another user\'s listener apart (uid from the kernel\'s table)', async () => {
    const other = 2_100_000_977;
    const probe = await listen('127.0.0.1');
    await new Promise((r) => (servers.pop() as Server).close(r));
    const child = spawn('setpriv', [`--reuid=${other}`, `--regid=${other}`, '--clear-groups', '--', process.execPath, '-e',
      `require('net').createServer().listen(${probe}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve, reject) => {
        child.stdout.once('data', resolve);
        child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
      });
      expect(loopbackListenerUids(probe)).toEqual([other]);
      expect(loopbackPortHeldBy(probe, me)).toBe(false);
      expect(loopbackPortHeldBy(probe, other)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
