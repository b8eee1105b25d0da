import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ServingContainer } from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters/instances/local-process/index';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { InstanceFactory } from './instance-factory.js';
import { putScriptModel } from './script-model.test-support.js';

// An instance that fails to start says why with its last lines, in a FailureReason of 1,024 characters.

let scratch: string;
let store: MemoryArtifactStore;
let launcher: LocalProcessLauncher;

const script = (modelDataUrl: string): ServingContainer => ({
  imageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', image: { type: 'script', framework: 'sklearn', program: 'inference.py' }, modelDataUrl,
  environment: { SAGEMAKER_PROGRAM: 'inference.py' },
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-instance-factory-'));
  store = new MemoryArtifactStore();
  await store.ensureBucket('models');
  launcher = new LocalProcessLauncher({ python: '/usr/bin/python3' });
});
afterAll(async () => {
  await launcher?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// pip's retry warnings are long lines; the newest line says what the instance was doing.
const chatty = (then: string) => [
  'import sys, time',
  'for i in range(6):',
  "    print('WARNING: Retrying (Retry(total=%d, connect=None, read=None, redirect=None, status=None)) after connection broken by ReadTimeoutError(HTTPConnectionPool(host=127.0.0.1, port=45678): Read timed out. (read timeout=15)): /simple/some-package/' % (4 - i), flush=True)",
  "print('still waiting on the index', flush=True)",
  then,
  'def model_fn(model_dir):',
  '    return None',
].join('\n');

describe('an instance that does not start', () => {
  const failure = async (key: string, code: string, timeoutMs: number) => {
    const url = await putScriptModel(store, scratch, key, code);
    const factory = new InstanceFactory({ artifacts: store, launcher, workDir: join(scratch, 'endpoints'), python: '/usr/bin/python3', builtinServing: 'in-process', logger: silentLogger });
    return factory.start('ep', `${key}-1`, script(url), timeoutMs).then(() => 'started', (e: Error) => e.message);
  };

  it('names its newest line within a FailureReason’s 1,024 characters when its lines are long', async () => {
    for (const reason of [await failure('hang', chatty('time.sleep(600)'), 5000), await failure('exit', chatty('sys.exit(3)'), 30_000)]) {
      expect(reason.length, reason).toBeLessThanOrEqual(1024 - 'Update to \'a-config-name-of-63-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\' failed: '.length);
      expect(reason).toMatch(/(did not pass \/ping within 5 s; its last lines|exited before answering \/ping): ….* \| still waiting on the index$/);
    }
  }, 60_000);
});
