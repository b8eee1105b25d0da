import { closeSync, openSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A data directory held by one server. */
export interface DataDirLock {
  /** Lets the directory go (idempotent). */
  release(): void;
}

/** Another live server holds the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

/** Locks this process holds, by lock file: a server started again in the same process takes its own over. */
const heldHere = new Map<string, DataDirLock>();

/**
 * Takes `<dataDir>/loam.lock` for this process. Two servers on one data directory would run the same
 * jobs and endpoints twice against one database and rewrite each other's credentials file; the second
 * is refused. The lock is the operating system's (an exclusive SQLite lock, i.e. `fcntl`), not a pid in
 * a file: it is taken atomically, so two servers starting at once cannot both get it, and it goes with
 * the process, so a crashed or killed server leaves nothing stale and a reused pid holds nothing.
 * `loam.pid` says which process holds it, for the message.
 * @throws DataDirInUseError naming the holder's pid.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = resolve(join(dataDir, 'loam.lock'));
  heldHere.get(file)?.release();
  // Loaded here, like the SQLite metadata store: nothing else needs the native module at import.
  const { default: Database } = await import('better-sqlite3');
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock, kept until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    db.exec(`BEGIN IMMEDIATE; DELETE FROM holder; INSERT INTO holder VALUES (${process.pid}); COMMIT`);
  } catch (e) {
    db.close();
    if (!/SQLITE_BUSY|SQLITE_LOCKED/.test(String((e as { code?: unknown }).code))) throw e;
    let pid = '';
    try {
      pid = readFileSync(join(dataDir, 'loam.pid'), 'utf8').trim();
    } catch {
      // not written yet
    }
    throw new DataDirInUseError(`Another Loam server${/^\d+$/.test(pid) ? ` (pid ${pid})` : ''} is serving the data directory ${dataDir}. Stop it first, or give this one its own --data-dir.`);
  }
  writeFileSync(join(dataDir, 'loam.pid'), `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  const lock: DataDirLock = {
    release: () => {
      if (released) return;
      released = true;
      if (heldHere.get(file) === lock) heldHere.delete(file);
      db.close();
    },
  };
  heldHere.set(file, lock);
  return lock;
}
