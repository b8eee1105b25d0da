import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The memory cgroup the runner was put in by its executor (`…/loam/<job>-<host>`), read from
 * `/proc/self/cgroup`: v1's `memory` line or the v2 line. Undefined outside a Loam job cgroup.
 */
function memoryCgroupDir(root: string): { dir: string; version: 1 | 2 } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m || !(m[2] as string).includes('/loam/')) continue;
    if ((m[1] as string).split(',').includes('memory')) return { dir: join(root, 'memory', m[2] as string), version: 1 };
    if (m[1] === '') return { dir: join(root, m[2] as string), version: 2 };
  }
  return undefined;
}

/** The OOM-kill count and memory limit of the runner's own job cgroup, when it is in one. */
export function jobMemoryState(root = '/sys/fs/cgroup'): { oomKills: number; limitMiB?: number } | undefined {
  const g = memoryCgroupDir(root);
  if (!g) return undefined;
  try {
    const events = readFileSync(join(g.dir, g.version === 2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
    const kills = Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0);
    const limit = readFileSync(join(g.dir, g.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    const bytes = Number(limit);
    return { oomKills: kills, ...(Number.isFinite(bytes) ? { limitMiB: Math.round(bytes / (1 << 20)) } : {}) };
  } catch {
    return undefined;
  }
}

/** SageMaker-style FailureReason for a job the kernel killed for using more memory than its instance has. */
export function outOfMemoryReason(instanceType: string, limitMiB: number | undefined): string {
  const limit = limitMiB !== undefined ? ` (${limitMiB} MiB)` : '';
  return `OutOfMemoryError: the job ran out of memory for its instance type ${instanceType}${limit}; the kernel's OOM killer ended it. Use an instance type with more memory or process less data per instance.`;
}
