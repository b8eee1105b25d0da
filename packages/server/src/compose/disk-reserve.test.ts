import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { keepReserve, RESERVE_BYTES, RESERVE_FILE } from './disk-reserve.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the disk reserve', () => {
  it('holds bytes a compressing filesystem cannot squeeze, so removing it gives the room back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-reserve-'));
    dirs.push(dir);
    await keepReserve(dir, pino({ level: 'silent' }));
    const file = join(dir, RESERVE_FILE);
    expect(statSync(file).size).toBe(RESERVE_BYTES);
    // ZFS (compression on) and btrfs (compress) store zeros in next to no blocks: such a reserve held no room.
    // What they would store is at least what a general-purpose compressor leaves.
    expect(deflateRawSync(readFileSync(file), { level: 1 }).length).toBeGreaterThan(RESERVE_BYTES * 0.99);
  });
});
