import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type InstanceLauncher, type ServingContainer } from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters/instances/local-process/index';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { InstanceFactory } from './instance-factory.js';
import { putScriptModel } from './script-model.test-support.js';
import type { HttpInstance } from './serving-instance.js';

// A model server listens on 127.0.0.1 in the machine's network, where any local process can connect:
// Loam's own servers answer /invocations only to Loam (the secret of instance-secret.ts), and Loam uses
// no instance whose port another user's process holds.

let scratch: string;
let store: MemoryArtifactStore;
let launcher: LocalProcessLauncher;
const squatters: ChildProcess[] = [];

const putModel = (key: string, inference: string): Promise<string> => putScriptModel(store, scratch, key, inference);

const script = (modelDataUrl: string): ServingContainer => ({
  imageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', image: { type: 'script', framework: 'sklearn', program: 'inference.py' }, modelDataUrl,
  environment: { SAGEMAKER_PROGRAM: 'inference.py' },
});

const factoryWith = (l: InstanceLauncher) => new InstanceFactory({ artifacts: store, launcher: l, workDir: join(scratch, 'endpoints'), python: '/usr/bin/python3', builtinServing: 'in-process', logger: silentLogger });

function post(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
    });
    r.on('error', reject);
    r.end('[1, 2]');
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-instance-secret-'));
  store = new MemoryArtifactStore();
  await store.ensureBucket('models');
  launcher = new LocalProcessLauncher({ python: '/usr/bin/python3' });
});
afterAll(async () => {
  for (const s of squatters) s.kill('SIGKILL');
  await launcher?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a model server on the machine\'s loopback', () => {
  it('answers /invocations to Loam only; the user\'s code never sees the secret', async () => {
    const url = await putModel('secret.tar.gz', [
      'import os',
      'def model_fn(model_dir):',
      '    return None',
      'def predict_fn(data, model):',
      '    return {"secret_visible": "LOAM_INSTANCE_SECRET" in os.environ, "n": len(data)}',
    ].join('\n'));
    const inst = await factoryWith(launcher).start('ep', 'secret-1', script(url), 30_000) as HttpInstance;
    try {
      const viaLoam = await inst.invoke({ body: Buffer.from('[1, 2]'), contentType: 'application/json', accept: 'application/json' }, 10_000);
      expect(viaLoam.status).toBe(200);
      expect(JSON.parse(viaLoam.body.toString())).toEqual({ secret_visible: false, n: 2 });
      // Any other local process (another user's job, say) reaches the port but not the model.
      expect(await post(inst.handle.url, {})).toEqual({ status: 403, text: 'This model server answers only Loam.' });
      expect((await post(inst.handle.url, { 'x-loam-instance-secret': 'guess' })).status).toBe(403);
      expect(await inst.ping()).toBe(true);
      // Refusals did not take it down.
      expect((await inst.invoke({ body: Buffer.from('[3]'), contentType: 'application/json' }, 10_000)).status).toBe(200);
    } finally {
      await inst.stop(2000);
    }
  }, 60_000);

  it.runIf(process.getuid?.() === 0)('is not used when a process of another user holds its port', async () => {
    // A user's server that never binds its port (it only sleeps), so the only listener there is the squatter.
    const sleeper: ServingContainer = {
      imageUri: 'sleeper:1', image: { type: 'process', name: 'sleeper', command: '/bin/sh', args: ['-c', 'sleep 30'] },
      modelDataUrl: await putModel('squatted.tar.gz', '# unused\n'), environment: {},
    };
    // Between Loam choosing a port and the server binding it, another user's process takes it and answers /ping.
    const squatting: InstanceLauncher = {
      launch: async (spec) => {
        const handle = await launcher.launch(spec);
        const port = new URL(handle.url).port;
        const squatter = spawn('setpriv', ['--reuid=2100000978', '--regid=2100000978', '--clear-groups', '--', process.execPath, '-e',
          `require('http').createServer((q, s) => s.end('stolen')).listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
        squatters.push(squatter);
        await new Promise((resolve, reject) => {
          squatter.stdout.once('data', resolve);
          squatter.once('exit', (code) => reject(new Error(`the squatter exited (${code}) before listening on ${port}`)));
        });
        return handle;
      },
      close: () => Promise.resolve(),
    };
    await expect(factoryWith(squatting).start('ep', 'squat-1', sleeper, 30_000)).rejects.toThrow(/its port \d+ is held by a process of another user/);
  }, 60_000);
});
