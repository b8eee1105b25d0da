import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pidNamespace, pidNamespaceInode } from './proc.js';

// Two writers name their pid namespace: the credentials lock records the link's text (`pid:[N]`), a local store's
// temp names its inode (`n<N>`). Read in one place, the two cannot disagree about a process.
describe.skipIf(process.platform !== 'linux')('pidNamespace', () => {
  it("is the text of /proc/<pid>/ns/pid, for 'self' and for this process's pid alike; pidNamespaceInode is its number", () => {
    const link = readlinkSync('/proc/self/ns/pid');
    expect(link).toMatch(/^pid:\[\d+\]$/);
    expect(pidNamespace()).toBe(link);
    expect(pidNamespace(process.pid)).toBe(link);
    expect(pidNamespaceInode()).toBe(/\d+/.exec(link)![0]);
    expect(pidNamespaceInode(process.pid)).toBe(pidNamespaceInode('self'));
  });

  it('is undefined for a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    expect(pidNamespace(gone)).toBeUndefined();
    expect(pidNamespaceInode(gone)).toBeUndefined();
  });
});
