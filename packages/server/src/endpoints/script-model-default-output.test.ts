import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy } from './endpoints.test-support.js';

// The scikit-learn container's default output_fn encodes a prediction with sagemaker-containers' encoders: JSON
// by json.dumps with .tolist() for what json cannot write (numpy arrays and scalars, also inside lists, dicts and
// object arrays), CSV by csv.writer over np.array(prediction) (a 1-D one as a column), NPY by np.save. A predict_fn
// returning a list of numpy int64 (what a loop over model.predict's items gives) answered 500 in Loam, and
// application/x-npy 406. With real Python and numpy (Debian's).

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const PYTHON = '/usr/bin/python3';

const inference = `
import numpy as np

CASES = {
    "int64-list": lambda: [np.int64(1), np.int64(-2)],
    "scalars": lambda: [np.float32(0.5), np.bool_(True), np.int8(3), np.float64(0.25)],
    "objects": lambda: np.array([np.int64(7), "a,b", None], dtype=object),
    "nested": lambda: [[np.int64(1), np.int64(2)], [np.int64(3), np.int64(4)]],
    "matrix": lambda: np.array([[0.5, 1.0], [2.0, -0.25]]),
    "dict": lambda: {"predictions": np.array([1, 0]), "score": np.float32(0.75), "labels": [np.str_("yes"), np.int16(2)]},
    # For CSV, shapes numpy makes no rows of (the container's encoder fails on them) and odd ones it writes.
    "ragged": lambda: [[1, 2], [3]],
    "ragged-column": lambda: [1, [2, 3]],
    "int": lambda: 3,
    "numpy-float": lambda: np.float64(0.5),
    "text": lambda: "yes",
    "none": lambda: None,
    "cube": lambda: np.arange(8).reshape(2, 2, 2),
    "strings": lambda: ["a", 'b"c', "d e"],
    "empty": lambda: [],
    "dict-rows": lambda: [{"a": 1}, {"b": 2}],
    "object-lists": lambda: np.array([[1, 2], [3], None], dtype=object),
}

def model_fn(model_dir):
    return CASES

def input_fn(body, content_type):
    return body.decode().strip()

def predict_fn(name, cases):
    return cases[name]()
`;

let loam: TestLoam;
let url: string;

async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const dir = mkdtempSync(join(tmpdir(), 'loam-default-output-'));
  try {
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'inference.py'), inference);
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz') }, ['code/inference.py']);
    await loam.platform.artifacts.ensureBucket('models');
    await loam.platform.artifacts.put({ bucket: 'models', key: 'numpy-out/model.tar.gz' }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'numpy-out', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/numpy-out/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } });
  expect(m.status, JSON.stringify(m.body)).toBe(200);
  const d = await deploy(loam, 'numpy-out', [{ name: 'v', modelName: 'numpy-out' }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}
async function stop(): Promise<void> {
  await loam?.close();
}
// CI's retry of a failed test runs on a new server: on this one, the names the failed attempt created are taken.
serverPerAttempt(start, stop, 120_000);

async function invoke(name: string, accept: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const r = await fetch(`${url}/endpoints/numpy-out/invocations`, { method: 'POST', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/plain', accept }, body: name });
  return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
}

/** An .npy answer as numpy reads it back (np.load, objects allowed): its dtype, shape and values. */
function loadNpy(body: Buffer): unknown {
  const read = 'import io, json, sys, numpy as np\na = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=True)\nprint(json.dumps({"dtype": str(a.dtype), "shape": list(a.shape), "value": a.tolist()}, default=lambda x: x.tolist()))';
  return JSON.parse(execFileSync(PYTHON, ['-c', read], { input: body }).toString('utf8'));
}

describe("a script-mode model's default output_fn encodes numpy predictions as the scikit-learn container does", () => {
  it('answers JSON for numpy scalars in lists, object arrays, nested lists and dicts', async () => {
    const json = async (name: string) => {
      const r = await invoke(name, 'application/json');
      expect({ status: r.status, type: r.type }, r.body.toString()).toEqual({ status: 200, type: 'application/json' });
      return r.body.toString('utf8');
    };
    expect(await json('int64-list')).toBe('[1, -2]');
    expect(await json('scalars')).toBe('[0.5, true, 3, 0.25]');
    expect(await json('objects')).toBe('[7, "a,b", null]');
    expect(await json('nested')).toBe('[[1, 2], [3, 4]]');
    expect(await json('matrix')).toBe('[[0.5, 1.0], [2.0, -0.25]]');
    expect(await json('dict')).toBe('{"predictions": [1, 0], "score": 0.75, "labels": ["yes", 2]}');
  });

  it('answers CSV one row per line (a 1-D prediction as a column), cells quoted as csv.writer quotes them', async () => {
    const csv = async (name: string) => {
      const r = await invoke(name, 'text/csv');
      expect({ status: r.status, type: r.type }, r.body.toString()).toEqual({ status: 200, type: 'text/csv' });
      return r.body.toString('utf8');
    };
    expect(await csv('int64-list')).toBe('1\n-2\n');
    expect(await csv('scalars')).toBe('0.5\n1.0\n3.0\n0.25\n');
    expect(await csv('objects')).toBe('7\n"a,b"\n""\n');
    expect(await csv('nested')).toBe('1,2\n3,4\n');
    expect(await csv('matrix')).toBe('0.5,1.0\n2.0,-0.25\n');
  });

  it("answers CSV with the container encoder's bytes for every shape it writes, and a 500 naming the problem for a single value or ragged rows, where it fails", async () => {
    // The reference: sagemaker-containers' array_to_csv (np.array of the prediction, a 1-D one reshaped to a column,
    // csv.writer over its rows), written out here and run on the same predictions with Debian's numpy.
    const reference = JSON.parse(
      execFileSync(PYTHON, ['-c', `${inference}
import csv, io, json
def array_to_csv(prediction):
    a = np.array(prediction)
    if len(a.shape) == 1:
        a = np.reshape(a, (a.shape[0], 1))
    out = io.StringIO()
    csv.writer(out, lineterminator="\\n", delimiter=",", quotechar='"', doublequote=True, strict=True).writerows(a)
    return out.getvalue()
answers = {}
for name, make in CASES.items():
    try:
        answers[name] = {"csv": array_to_csv(make())}
    except Exception as e:
        answers[name] = {"error": type(e).__name__}
print(json.dumps(answers))
`]).toString('utf8'),
    ) as Record<string, { csv?: string; error?: string }>;
    // What the reference fails on: a single value (TypeError: iteration over a 0-d array) and ragged rows (numpy's ValueError).
    expect(Object.entries(reference).filter(([, r]) => r.error).map(([name, r]) => [name, r.error])).toEqual([
      ['dict', 'TypeError'], ['ragged', 'ValueError'], ['ragged-column', 'ValueError'], ['int', 'TypeError'], ['numpy-float', 'TypeError'], ['text', 'TypeError'], ['none', 'TypeError'],
    ]);
    for (const [name, r] of Object.entries(reference)) {
      const got = await invoke(name, 'text/csv');
      if (r.csv !== undefined) {
        expect({ status: got.status, body: got.body.toString('utf8') }, name).toEqual({ status: 200, body: r.csv });
      } else {
        // The model server's 500, as InvokeEndpoint answers a container's: ModelError (424) carrying it.
        const error = JSON.parse(got.body.toString('utf8')) as { OriginalStatusCode?: number; OriginalMessage?: string };
        expect({ status: got.status, original: error.OriginalStatusCode }, name).toEqual({ status: 424, original: 500 });
        const single = /^TypeError: a (\S+) prediction is a single value, with no rows to write as CSV; return an array or a list/;
        const ragged = /^ValueError: the prediction's rows differ in length, so it is no array to write as CSV \(numpy: setting an array element with a sequence\. .*\); return rows of one length$/;
        expect(error.OriginalMessage, name).toMatch(r.error === 'TypeError' ? single : ragged);
      }
    }
    expect((await invoke('numpy-float', 'text/csv')).body.toString('utf8')).toMatch(/a float64 prediction is a single value/);
    expect((await invoke('cube', 'text/csv')).body.toString('utf8')).toBe('[0 1],[2 3]\n[4 5],[6 7]\n');
  });

  it('answers application/x-npy with np.save of the prediction', async () => {
    const npy = async (name: string) => {
      const r = await invoke(name, 'application/x-npy');
      expect({ status: r.status, type: r.type }, r.body.toString()).toEqual({ status: 200, type: 'application/x-npy' });
      return loadNpy(r.body);
    };
    expect(await npy('int64-list')).toEqual({ dtype: 'int64', shape: [2], value: [1, -2] });
    expect(await npy('scalars')).toEqual({ dtype: 'float64', shape: [4], value: [0.5, 1, 3, 0.25] });
    expect(await npy('objects')).toEqual({ dtype: 'object', shape: [3], value: [7, 'a,b', null] });
    expect(await npy('matrix')).toEqual({ dtype: 'float64', shape: [2, 2], value: [[0.5, 1], [2, -0.25]] });
  });
});
