import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from '@loam/testkit/net/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL cluster of the test's own, on a free loopback port, that the test may stop and start. */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** `pg_ctl stop -m immediate`: the server dies without a checkpoint, as in a crash. */
  crash(): void;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): void;
  /** Runs one SQL statement through psql; the rows, `|`-separated, one a line. */
  query(sql: string): string;
  /** Stops the server (if running) and removes its directory. */
  dispose(): void;
}

function findBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/**
 * initdb + pg_ctl start of a throwaway cluster (trust auth, user `loam`), or the reason it cannot be
 * made here. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startPrivatePostgres(): Promise<{ pg: PrivatePostgres } | { skip: string }> {
  const bin = findBin();
  if (!bin) return { skip: 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin' };
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'loam-pg-'));
  const data = join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return execFileSync(file, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  try {
    if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    run('initdb', ['-D', data, '-U', 'loam', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot create a private PostgreSQL cluster: ${(e as Error).message.split('\n')[0]}` };
  }
  const port = await freePort();
  const start = () => {
    run('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgres://loam@127.0.0.1:${port}/postgres`,
    port,
    crash() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      running = false;
    },
    start() {
      start();
      running = true;
    },
    query(sql) {
      return run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'loam', '-d', 'postgres', '-At', '-c', sql]).toString().trim();
    },
    dispose() {
      if (running) {
        try {
          run('pg_ctl', ['-D', data, '-m', 'fast', 'stop']);
        } catch {
          // already gone
        }
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    pg.start();
  } catch (e) {
    pg.dispose();
    return { skip: `cannot start a private PostgreSQL cluster: ${(e as Error).message.split('\n')[0]}` };
  }
  return { pg };
}
