import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy } from './endpoints.test-support.js';

// The scikit-learn and XGBoost serving containers import the handler by its module name
// (importlib.import_module('inference') for SAGEMAKER_PROGRAM=inference.py). A model pickled by a training
// script that imported a class from inference.py names `inference.<Class>`; it must load as the handler's own
// class, and the handler's objects must pickle (joblib, copies), with real Python.

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const PYTHON = '/usr/bin/python3';

const inference = `
import os, pickle

class Doubler:
    def predict(self, rows):
        return [[2 * v for v in r] for r in rows]

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.pkl"), "rb") as f:
        return pickle.load(f)

def input_fn(body, content_type):
    return [[float(c) for c in line.split(",")] for line in body.decode().splitlines() if line]

def predict_fn(rows, model):
    if not isinstance(model, Doubler):
        raise TypeError("the model is a %s.%s, not this module's Doubler" % (type(model).__module__, type(model).__name__))
    copy = pickle.loads(pickle.dumps(model))
    return copy.predict(rows)

def output_fn(prediction, accept):
    return "\\n".join(",".join(str(v) for v in r) for r in prediction), "text/csv"
`;

let loam: TestLoam;
let url: string;

async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const dir = mkdtempSync(join(tmpdir(), 'loam-module-name-'));
  try {
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'inference.py'), inference);
    // As a training script does: import the class from inference.py and pickle an instance (its module is `inference`).
    execFileSync(PYTHON, ['-B', '-c', "import pickle, inference; pickle.dump(inference.Doubler(), open('../model.pkl', 'wb'))"], { cwd: join(dir, 'code') });
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz') }, ['model.pkl', 'code/inference.py']);
    await loam.platform.artifacts.ensureBucket('models');
    await loam.platform.artifacts.put({ bucket: 'models', key: 'doubler/model.tar.gz' }, readFileSync(join(dir, 'model.tar.gz')));
    // The same handler as json.py: a module name Python has already imported.
    writeFileSync(join(dir, 'code', 'json.py'), inference);
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'clash.tar.gz') }, ['model.pkl', 'code/json.py']);
    await loam.platform.artifacts.put({ bucket: 'models', key: 'clash/model.tar.gz' }, readFileSync(join(dir, 'clash.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'doubler', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/doubler/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } });
  expect(m.status, JSON.stringify(m.body)).toBe(200);
  const d = await deploy(loam, 'doubler', [{ name: 'v', modelName: 'doubler' }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}
async function stop(): Promise<void> {
  await loam?.close();
}
// CI's retry of a failed test runs on a new server: on this one, the names the failed attempt created are taken.
serverPerAttempt(start, stop, 120_000);

describe('a script-mode model server imports inference.py as the module `inference`', () => {
  it('loads a pickle of a class defined in inference.py as that module’s class, and pickles it again', async () => {
    const r = await fetch(`${url}/endpoints/doubler/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv', accept: 'text/csv' }, body: '1,2\n3,4' });
    const body = await r.text();
    expect({ status: r.status, body }).toEqual({ status: 200, body: '2.0,4.0\n6.0,8.0' });
  });

  it('refuses a handler whose module name Python has already imported (json.py), naming it, instead of serving that module', async () => {
    const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'clash', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/clash/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'json.py' } } });
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    const d = await deploy(loam, 'clash', [{ name: 'v', modelName: 'clash' }]);
    expect(d.EndpointStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(/SAGEMAKER_PROGRAM json\.py: the module name 'json' is already taken by \S*json\/__init__\.py; give the handler another name/);
  }, 120_000);
});
