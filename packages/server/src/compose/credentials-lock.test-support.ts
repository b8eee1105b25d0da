import { spawn, type ChildProcess } from 'node:child_process';

/** Another live process on this host holding a credentials file's lock, as a Loam writer takes it. */
export interface LockHolder {
  readonly child: ChildProcess;
  /** Removes the lock and ends the process. */
  release(): Promise<void>;
}

/**
 * Starts a process that takes `lock` (its pid, host and pid namespace, as a writer records them) and holds it until
 * released, or for `maxMs` at most: a test whose process is blocked cannot release it.
 */
export async function holdLock(lock: string, maxMs: number): Promise<LockHolder> {
  const script = `
    const fs = require('node:fs');
    const [lock, maxMs] = ${JSON.stringify([lock, maxMs])};
    let ns = '-';
    try { ns = fs.readlinkSync('/proc/self/ns/pid'); } catch {}
    fs.writeFileSync(lock, process.pid + ' ' + require('node:os').hostname() + ' ' + ns + ' holder\\n', { flag: 'wx' });
    const end = () => { fs.rmSync(lock, { force: true }); process.exit(0); };
    process.stdin.on('end', end);
    process.stdin.resume();
    setTimeout(end, maxMs);
    fs.writeSync(1, 'held\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held\n')) resolve();
    });
    void ended.then(() => reject(new Error(`the lock holder ended before it held ${lock}`)));
  });
  return {
    child,
    release: async () => {
      child.stdin?.end();
      await ended;
    },
  };
}
