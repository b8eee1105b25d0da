import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processStartTime } from '@loam/adapters/executors/local/proc';

/** A data directory held by one server. */
export interface DataDirLock {
  /** Removes the lock if it is still this server's. */
  release(): void;
}

/** Another live server holds the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

interface Holder {
  readonly pid: number;
  readonly startTime?: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof v.pid === 'number' ? { pid: v.pid, ...(typeof v.startTime === 'string' ? { startTime: v.startTime } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dataDir>/loam.lock` for this process. Two servers on one data directory would run the same
 * jobs and endpoints twice against one database and rewrite each other's credentials file; the second
 * is refused. A lock whose process is gone (a crash, a kill) is stale and taken over: liveness is the
 * pid *and* its start time, so a reused pid does not hold a directory. A lock of this very process
 * (a server started again in the same process) is taken over too.
 * @throws DataDirInUseError naming the pid that holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'loam.lock');
  const me: Holder = { pid: process.pid, ...(processStartTime(process.pid) ? { startTime: processStartTime(process.pid) as string } : {}) };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid, holder.startTime)) {
        throw new DataDirInUseError(`Another Loam server (pid ${holder.pid}) is serving the data directory ${dataDir}. Stop it first, or give this one its own --data-dir.`);
      }
      // Stale (or unreadable: a crash while writing it): remove and try again.
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    return {
      release: () => {
        const holder = readHolder(file);
        if (holder?.pid === me.pid && holder.startTime === me.startTime) rmSync(file, { force: true });
      },
    };
  }
  throw new DataDirInUseError(`The data directory ${dataDir} is being locked by another server starting at the same time.`);
}
