import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ServingContainer } from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters/instances/local-process/index';
import { isRunning, processesOfUid } from '@loam/adapters/executors/local/sandbox';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { InstanceFactory } from './instance-factory.js';
import { putScriptModel } from './script-model.test-support.js';

// A script-mode model server owns its /opt/ml. What it leaves there must never make Loam (root) write or
// delete through it: not when the same instance id starts again (a restart), not while its directory
// is deleted with its processes still running.

const asRoot = process.getuid?.() === 0;
let scratch: string;
let store: MemoryArtifactStore;
let launcher: LocalProcessLauncher;
let factory: InstanceFactory;

const putModel = (key: string, inference: string): Promise<string> => putScriptModel(store, scratch, key, inference);

const container = (modelDataUrl: string, environment: Record<string, string>): ServingContainer => ({
  imageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', image: { type: 'script', framework: 'sklearn', program: 'inference.py' }, modelDataUrl,
  environment: { SAGEMAKER_PROGRAM: 'inference.py', ...environment },
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-instance-sandbox-'));
  store = new MemoryArtifactStore();
  await store.ensureBucket('models');
  launcher = new LocalProcessLauncher({ python: '/usr/bin/python3' });
  factory = new InstanceFactory({ artifacts: store, launcher, workDir: join(scratch, 'endpoints'), python: '/usr/bin/python3', builtinServing: 'in-process', logger: silentLogger });
});
afterAll(async () => {
  await launcher?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.runIf(asRoot)('a model server\'s /opt/ml, as Loam handles it', () => {
  it('links it planted are not written through when the same instance starts again', async () => {
    const victim = join(scratch, 'victim-written');
    const url = await putModel('plant.tar.gz', [
      'import os',
      'def model_fn(model_dir):',
      '    for name in ("model.tar.gz", "sourcedir.tar.gz", "model/extra", "tmp/x"):',
      '        try:',
      '            os.symlink(os.environ["VICTIM"], os.path.join("/opt/ml", name))',
      '        except OSError:',
      '            pass',
      '    return None',
      'def predict_fn(data, model):',
      '    return "ok"',
    ].join('\n'));
    const first = await factory.start('ep', 'plant-1', container(url, { VICTIM: victim }), 30_000);
    await first.stop(2000);
    // The restart's instance ids begin again: the same directory.
    const again = await factory.start('ep', 'plant-1', container(url, { VICTIM: victim }), 30_000);
    expect(existsSync(victim)).toBe(false);
    await again.stop(2000);
    factory.cleanup('ep', 'plant-1');
  }, 60_000);

  it('its directory is deleted only after its processes are gone: a racer swapping a directory for a link deletes nothing of Loam\'s', async () => {
    const victim = mkdtempSync(join(scratch, 'victim-dir-')); // new for each attempt (CI retries a failed test)
    for (let i = 0; i < 20; i++) writeFileSync(join(victim, `f${i}`), 'keep');
    const racer = [
      'import os',
      'd, aside, target = "/opt/ml/d", "/opt/ml/aside", os.environ["VICTIM"]',
      'while True:',
      '    try:',
      '        os.makedirs(os.path.join(d, "x"), exist_ok=True)',
      '        os.rename(d, aside)',
      '        os.symlink(target, d)',
      '        os.unlink(d)',
      '        os.rename(aside, d)',
      '    except OSError:',
      '        pass',
    ].join('\n');
    const url = await putModel('race.tar.gz', [
      'import os, subprocess, sys',
      'def model_fn(model_dir):',
      `    racer = ${JSON.stringify(racer)}`,
      '    for _ in range(2):',
      '        subprocess.Popen([sys.executable, "-c", racer], start_new_session=True)',
      '    return None',
      'def predict_fn(data, model):',
      '    return "ok"',
    ].join('\n'));
    await factory.start('ep', 'race-1', container(url, { VICTIM: victim }), 30_000);
    const owner = Number(execFileSync('stat', ['-c', '%u', join(scratch, 'endpoints', 'ep', 'race-1', 'opt-ml')], { encoding: 'utf8' }).trim());
    expect(owner).toBeGreaterThanOrEqual(2_100_000_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(processesOfUid(owner).length).toBeGreaterThanOrEqual(3);
    // As the controller does for an unreachable instance: cleanup without waiting for the stop.
    factory.cleanup('ep', 'race-1');
    expect(readdirSync(victim).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`).sort());
    expect(processesOfUid(owner).filter(isRunning)).toEqual([]);
    expect(existsSync(join(scratch, 'endpoints', 'ep', 'race-1'))).toBe(false);
  }, 60_000);
});
