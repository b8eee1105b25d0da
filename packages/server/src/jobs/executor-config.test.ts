import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalProcessExecutor } from '@loam/adapters';
import { silentLogger } from '@loam/core';
import { loadConfig } from '../config/index.js';
import { openExecutor } from './jobs.compose.js';

describe('executor.stopGraceSeconds', () => {
  it("defaults to SageMaker's 120 s and reaches the local executor from env or file", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'loam-grace-'));
    try {
      const byDefault = loadConfig({ env: {}, cwd }).config;
      expect(byDefault.executor.stopGraceSeconds).toBe(120);
      const { config } = loadConfig({ env: { LOAM_EXECUTOR__STOP_GRACE_SECONDS: '7' }, cwd });
      const executor = openExecutor(config, silentLogger);
      expect(executor).toBeInstanceOf(LocalProcessExecutor);
      expect((executor as LocalProcessExecutor).graceSeconds).toBe(7);
      await executor.close();
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('rejects a grace outside 1..3600 naming the key', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'loam-grace-'));
    try {
      expect(() => loadConfig({ env: { LOAM_EXECUTOR__STOP_GRACE_SECONDS: '0' }, cwd })).toThrow(/executor\.stopGraceSeconds/);
      expect(() => loadConfig({ env: { LOAM_EXECUTOR__STOP_GRACE_SECONDS: '3601' }, cwd })).toThrow(/executor\.stopGraceSeconds/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
