import { readFileSync } from 'node:fs';

// Who listens on a loopback port, read from the kernel's socket tables (/proc/net/tcp, tcp6) of this
// process's network namespace. Model servers listen on 127.0.0.1:<port> in the machine's network; a
// process of another user that took the port first (between Loam choosing it and the server binding
// it) would receive the model's requests. The uid column tells the two apart. The runner (inside a job)
// imports this file by its subpath, which loads nothing else of the adapters.

/** Local addresses (as /proc/net prints them) whose listener takes a connection to 127.0.0.1. */
const V4 = new Set(['0100007F', '00000000']);
const V6 = new Set(['00000000000000000000000000000000', '0000000000000000FFFF00000100007F']);
const LISTEN = '0A';

function listenersIn(file: string, addresses: ReadonlySet<string>, port: number, out: number[]): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid …
    const local = f[1];
    if (!local || f[3] !== LISTEN) continue;
    const colon = local.lastIndexOf(':');
    if (local.slice(colon + 1) !== hexPort || !addresses.has(local.slice(0, colon))) continue;
    out.push(Number(f[7]));
  }
  return true;
}

/**
 * The uids of the sockets listening where a connection to `127.0.0.1:<port>` would land (127.0.0.1,
 * 0.0.0.0, `::`, `::ffff:127.0.0.1`), or undefined when the kernel's tables cannot be read (not Linux).
 */
export function loopbackListenerUids(port: number): number[] | undefined {
  const uids: number[] = [];
  const v4 = listenersIn('/proc/net/tcp', V4, port, uids);
  const v6 = listenersIn('/proc/net/tcp6', V6, port, uids);
  return v4 || v6 ? uids : undefined;
}

/**
 * Whether the port is held by `uid` alone: false when a socket of another user listens there too, or
 * nothing does. True when it cannot be told (no /proc): the check is a guard, not a requirement.
 */
export function loopbackPortHeldBy(port: number, uid: number): boolean {
  const uids = loopbackListenerUids(port);
  if (uids === undefined) return true;
  return uids.length > 0 && uids.every((u) => u === uid);
}
