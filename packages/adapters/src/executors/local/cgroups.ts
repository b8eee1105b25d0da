import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The limits of one job host: memory in bytes and CPUs (fractional allowed: 0.5 = half a core). */
export interface HostLimits {
  readonly memoryBytes: number;
  readonly cpus: number;
}

/** Where Loam may create per-host cgroups, or why it cannot. */
export type CgroupSupport =
  | { readonly supported: true; readonly version: 1 | 2; /** v1: the memory and cpu parents; v2: one parent. */ readonly parents: readonly string[] }
  | { readonly supported: false; readonly reason: string };

/** One host's cgroup: one directory on v2, one per controller (memory, cpu) on v1. */
export interface HostCgroup {
  readonly version: 1 | 2;
  readonly dirs: readonly string[];
}

const cfsPeriodUs = 100_000;

/** This process's cgroup path per controller (`/proc/self/cgroup`); '' is the v2 entry. */
function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of (m[1] as string).split(',')) out.set(c, m[2] as string);
  }
  return out;
}

/** `<mount>/<own path>/loam` when it exists, else `<mount>/loam`: jobs nest under the server's own group. */
function parentUnder(mount: string, own: string | undefined): string {
  const nested = own && own !== '/' ? join(mount, own) : mount;
  return join(existsSync(nested) ? nested : mount, 'loam');
}

function tryWrite(file: string, value: string): string | undefined {
  try {
    writeFileSync(file, value);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Finds a writable cgroup hierarchy with memory and cpu controllers: cgroup v2 when `/sys/fs/cgroup`
 * is the unified hierarchy with both controllers, else v1's `memory` and `cpu` mounts (a hybrid
 * machine's `unified` mount has no controllers). Probes by creating and removing a group, so "not
 * supported" means exactly that Loam could not write there (not root, read-only mount, no controller).
 */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupSupport {
  if (process.platform !== 'linux') return { supported: false, reason: 'cgroups need Linux' };
  let own: Map<string, string>;
  try {
    own = ownCgroups();
  } catch {
    return { supported: false, reason: '/proc/self/cgroup is not readable' };
  }
  const v2controllers = existsSync(join(root, 'cgroup.controllers')) ? readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/) : [];
  let candidates: { version: 1 | 2; parents: string[] }[];
  if (v2controllers.includes('memory') && v2controllers.includes('cpu')) {
    // Nested under the server's group first; v2 lets a group with processes hand no controllers to its
    // children, so the hierarchy's root is the fallback (where systemd enables them).
    candidates = [...new Set([parentUnder(root, own.get('')), join(root, 'loam')])].map((p) => ({ version: 2 as const, parents: [p] }));
  } else if (existsSync(join(root, 'memory', 'memory.limit_in_bytes')) && existsSync(join(root, 'cpu', 'cpu.cfs_quota_us'))) {
    candidates = [{ version: 1, parents: [parentUnder(join(root, 'memory'), own.get('memory')), parentUnder(join(root, 'cpu'), own.get('cpu'))] }];
  } else {
    return { supported: false, reason: `no cgroup hierarchy with memory and cpu controllers under ${root}` };
  }
  const errors: string[] = [];
  for (const c of candidates) {
    const support = { supported: true as const, ...c };
    try {
      const g = createHostCgroup(support, `probe-${process.pid}`, { memoryBytes: 1 << 30, cpus: 1 });
      removeHostCgroup(g);
      return support;
    } catch (e) {
      errors.push(`${c.parents.join(', ')}: ${(e as Error).message}`);
      removeEmptyParents(c.parents);
    }
  }
  return { supported: false, reason: `cgroups are not writable (${errors.join('; ')})` };
}

/** Creates (or reuses) the host's group with its limits. Throws when the hierarchy refuses. */
export function createHostCgroup(support: Extract<CgroupSupport, { supported: true }>, name: string, limits: HostLimits): HostCgroup {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`'${name}' cannot name a cgroup`);
  const dirs = support.parents.map((p) => join(p, name));
  if (support.version === 2) {
    // v2 hands a child only the controllers its parent enables; Loam's own `loam` group has no
    // processes, so enabling them there is allowed (it fails when the group above does not offer them).
    const parent = support.parents[0] as string;
    mkdirSync(parent, { recursive: true });
    const err = tryWrite(join(parent, 'cgroup.subtree_control'), '+memory +cpu');
    if (err) throw new Error(`cannot enable the memory and cpu controllers in ${parent}: ${err}`);
  }
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const memory = String(Math.max(4 << 20, Math.floor(limits.memoryBytes)));
  const quota = String(Math.max(1000, Math.round(limits.cpus * cfsPeriodUs)));
  if (support.version === 2) {
    const d = dirs[0] as string;
    writeFileSync(join(d, 'memory.max'), memory);
    // No swap: on SageMaker an instance's memory is all the job gets.
    tryWrite(join(d, 'memory.swap.max'), '0');
    writeFileSync(join(d, 'cpu.max'), `${quota} ${cfsPeriodUs}`);
  } else {
    const [mem, cpu] = dirs as [string, string];
    writeFileSync(join(mem, 'memory.limit_in_bytes'), memory);
    tryWrite(join(mem, 'memory.memsw.limit_in_bytes'), memory);
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(cfsPeriodUs));
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), quota);
  }
  return { version: support.version, dirs };
}

/** Moves a process (and so every child it starts afterwards) into the group. */
export function addToCgroup(g: HostCgroup, pid: number): void {
  for (const d of g.dirs) writeFileSync(join(d, 'cgroup.procs'), String(pid));
}

/** How many processes of the group the kernel's OOM killer has killed (0 when unknown). */
export function oomKills(g: HostCgroup): number {
  const file = g.version === 2 ? 'memory.events' : 'memory.oom_control';
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(g.dirs[0] as string, file), 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Removes the group; false while processes are still in it (try again once they are gone). */
export function removeHostCgroup(g: HostCgroup): boolean {
  let ok = true;
  for (const d of g.dirs) {
    try {
      rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') ok = false;
    }
  }
  if (ok) removeEmptyParents(g.dirs.map((d) => dirname(d)));
  return ok;
}

/**
 * Removes Loam's `loam` parent groups once no job uses them: a group with children cannot be removed,
 * so a leftover would stop whoever manages the server's own group from removing it.
 */
export function removeEmptyParents(parents: readonly string[]): void {
  for (const p of parents) {
    try {
      rmdirSync(p);
    } catch {
      // still in use by another host, or already gone
    }
  }
}

/**
 * Removes every empty host group under Loam's parents: what a server that died between a job's end and
 * its cleanup left behind. A group in use cannot be removed (the kernel refuses), so this never
 * touches a running job; a group another executor has just created loses a race it recovers from
 * (the executor re-creates it when joining fails).
 */
export function sweepEmptyCgroups(parents: readonly string[]): void {
  for (const p of parents) {
    let names: string[] = [];
    try {
      names = readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        rmdirSync(join(p, n));
      } catch {
        // in use
      }
    }
  }
}
