import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { HUGE, names, pool, sample, seededRandom, shuffled, toJsonText } from '../../operations/input-fuzz.test-support.js';

// The input fuzz (operations/input-fuzz.test.ts) for MLflow's REST API, a transport outside the operation
// table: each endpoint of /api/2.0/mlflow/… and /ajax-api/2.0/mlflow/… gets broken inputs (a required field
// missing, a field of the wrong JSON type, an id no run has, an integer that is not one, values past MLflow's
// limits, bodies that are not JSON); every answer must be a 4xx in MLflow's shape ({error_code, message})
// whose message names the field (or the id not found), never a 5xx or a hang, and a canary run with metrics,
// params and tags is unchanged after. A fixed number of seeded cases (LOAM_FUZZ_SEED replays another pick;
// LOAM_FUZZ_MLFLOW_CASES widens a run by hand), no time cut.

const SEED = Number(process.env.LOAM_FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.LOAM_FUZZ_MLFLOW_CASES ?? 160);
const CONCURRENCY = 4;
/** One request's limit: past it the request counts as a hang. */
const TIMEOUT_MS = 20_000;

let loam: TestLoam;
let url: string;
serverPerAttempt(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
}, async () => loam?.close());

type Field = 'run-id' | 'exp-id' | 'string' | 'key' | 'long' | 'double' | 'key-values' | 'strings' | 'entities';
interface Endpoint {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Each field with its kind; `!` marks a required one. */
  readonly fields: Readonly<Record<string, Field>>;
  readonly required: readonly string[];
  readonly base: (c: Canary) => Record<string, unknown>;
}
interface Canary {
  readonly experimentId: string;
  readonly runId: string;
}

const ENDPOINTS: readonly Endpoint[] = [
  { path: 'experiments/create', method: 'POST', fields: { name: 'key', artifact_location: 'string', tags: 'key-values' }, required: ['name'], base: () => ({ name: 'fuzz-new' }) },
  { path: 'experiments/get', method: 'GET', fields: { experiment_id: 'exp-id' }, required: ['experiment_id'], base: (c) => ({ experiment_id: c.experimentId }) },
  { path: 'experiments/get-by-name', method: 'GET', fields: { experiment_name: 'key' }, required: ['experiment_name'], base: () => ({ experiment_name: 'fuzz-canary' }) },
  { path: 'experiments/search', method: 'POST', fields: { max_results: 'long', page_token: 'string', view_type: 'string', filter: 'string', order_by: 'strings' }, required: [], base: () => ({ max_results: 10 }) },
  { path: 'experiments/update', method: 'POST', fields: { experiment_id: 'exp-id', new_name: 'key' }, required: ['experiment_id', 'new_name'], base: (c) => ({ experiment_id: c.experimentId, new_name: 'fuzz-renamed' }) },
  { path: 'experiments/delete', method: 'POST', fields: { experiment_id: 'exp-id' }, required: ['experiment_id'], base: (c) => ({ experiment_id: c.experimentId }) },
  { path: 'experiments/set-experiment-tag', method: 'POST', fields: { experiment_id: 'exp-id', key: 'key', value: 'string' }, required: ['experiment_id', 'key', 'value'], base: (c) => ({ experiment_id: c.experimentId, key: 'k2', value: 'v2' }) },
  { path: 'runs/create', method: 'POST', fields: { experiment_id: 'exp-id', run_name: 'string', start_time: 'long', tags: 'key-values' }, required: [], base: (c) => ({ experiment_id: c.experimentId, start_time: 1 }) },
  { path: 'runs/get', method: 'GET', fields: { run_id: 'run-id' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
  { path: 'runs/update', method: 'POST', fields: { run_id: 'run-id', status: 'string', end_time: 'long', run_name: 'string' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, status: 'FINISHED', end_time: 5 }) },
  { path: 'runs/delete', method: 'POST', fields: { run_id: 'run-id' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
  { path: 'runs/search', method: 'POST', fields: { experiment_ids: 'strings', filter: 'string', run_view_type: 'string', max_results: 'long', order_by: 'strings', page_token: 'string' }, required: [], base: (c) => ({ experiment_ids: [c.experimentId] }) },
  { path: 'runs/log-metric', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'double', timestamp: 'long', step: 'long' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 'loss', value: 9, timestamp: 9, step: 9 }) },
  // (timestamp is required by MLflow but Loam's log-metric takes the time of the request without one: not broken input here.)
  { path: 'runs/log-parameter', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'string' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 'p2', value: 'v' }) },
  { path: 'runs/log-batch', method: 'POST', fields: { run_id: 'run-id', metrics: 'entities', params: 'entities', tags: 'entities' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, metrics: [{ key: 'loss', value: 7, timestamp: 7, step: 7 }] }) },
  { path: 'runs/log-inputs', method: 'POST', fields: { run_id: 'run-id', datasets: 'entities' }, required: ['run_id'], base: (c) => ({ run_id: c.runId, datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: 's' } }] }) },
  { path: 'runs/set-tag', method: 'POST', fields: { run_id: 'run-id', key: 'key', value: 'string' }, required: ['run_id', 'key', 'value'], base: (c) => ({ run_id: c.runId, key: 't2', value: 'v' }) },
  { path: 'runs/delete-tag', method: 'POST', fields: { run_id: 'run-id', key: 'key' }, required: ['run_id', 'key'], base: (c) => ({ run_id: c.runId, key: 'keep' }) },
  { path: 'metrics/get-history', method: 'GET', fields: { run_id: 'run-id', metric_key: 'string', max_results: 'long', page_token: 'string' }, required: ['run_id', 'metric_key'], base: (c) => ({ run_id: c.runId, metric_key: 'loss' }) },
  { path: 'artifacts/list', method: 'GET', fields: { run_id: 'run-id', path: 'string', page_token: 'string' }, required: ['run_id'], base: (c) => ({ run_id: c.runId }) },
];

interface Case {
  readonly label: string;
  readonly endpoint: Endpoint;
  /** The input with one field broken, or a raw body. */
  readonly input?: Record<string, unknown>;
  readonly raw?: string | Buffer;
  /** What the message must name, one of: the field (or MLflow's words for it), or the id no run/experiment has. */
  readonly names?: readonly string[];
  /** A status the case must get (an unknown id: 404). */
  readonly status?: number;
}

const NOPE_RUN = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
/**
 * What a message may call a field besides its own name: MLflow's own words ("Tag name 'k…' had length …",
 * "Invalid page token", "Invalid experiment name"), or a member of the field's items it found wrong.
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  key: ['name'], value: ['value'], name: ['experiment name', 'Experiment name'], new_name: ['experiment name', 'Experiment name'], experiment_name: ['name'], page_token: ['page token'], artifact_location: ['Artifact location'],
  tags: ['key', 'value'], params: ['key', 'value'], metrics: ['key', 'value', 'timestamp', 'step'], datasets: ['dataset', 'name', 'digest', 'source_type', 'source', 'tags'],
};

/** The values that break a field of each kind, each with what the answer must name (by default, the field). */
function breakers(kind: Field, get: boolean): { what: string; value: unknown; names?: string; status?: number }[] {
  const wrongType = get ? [] : [{ what: 'object', value: { fuzz: 1 } }, { what: 'nested list', value: [[1]] }];
  switch (kind) {
    case 'run-id':
      return [...wrongType, { what: 'unknown', value: NOPE_RUN, names: NOPE_RUN, status: 404 }, { what: 'path-like', value: '../../etc', names: '../../etc' }, { what: 'huge', value: 'a'.repeat(5000), names: 'a'.repeat(5000) }];
    case 'exp-id':
      return [...wrongType, { what: 'unknown', value: '987654321', names: '987654321', status: 404 }, { what: 'not a number', value: 'exp-nope', names: 'exp-nope' }, { what: 'huge', value: '9'.repeat(5000), names: '9'.repeat(5000) }];
    case 'key':
      return [...wrongType, { what: 'too long', value: 'k'.repeat(get ? 6000 : 300_000) }, ...(get ? [] : [{ what: 'empty', value: '' }])];
    case 'string':
      return [...wrongType, ...(get ? [] : [{ what: 'too long', value: 's'.repeat(300_000) }])];
    case 'long':
      return [...wrongType, { what: 'not a number', value: 'abc' }, { what: 'fraction', value: get ? '1.5' : 1.5 }, { what: 'past a double', value: get ? '1e999' : HUGE }, { what: 'past int64', value: '9'.repeat(30) }];
    case 'double':
      return [...wrongType, { what: 'not a number', value: 'abc' }, { what: 'boolean', value: true }];
    case 'key-values':
      return [{ what: 'not a list', value: 'x' }, { what: 'item not an object', value: [7] }, { what: 'key of wrong type', value: [{ key: { a: 1 }, value: 'v' }] }, { what: 'value too long', value: [{ key: 'k', value: 'v'.repeat(300_000) }] }];
    case 'strings':
      return [{ what: 'object', value: { fuzz: 1 } }, { what: 'item an object', value: [{ a: 1 }] }];
    case 'entities':
      return [{ what: 'not a list', value: 'x' }, { what: 'an object', value: { key: 'k' } }, { what: 'item null', value: [null] }, { what: 'item a number', value: [7] }, { what: 'item of wrong shape', value: [{ key: 7, value: [] }] }];
  }
}

function casesOf(c: Canary): Case[] {
  const out: Case[] = [];
  for (const e of ENDPOINTS) {
    const base = e.base(c);
    const get = e.method === 'GET';
    for (const f of e.required) {
      const input = { ...base };
      delete input[f];
      out.push({ label: `${e.path} ${f} missing`, endpoint: e, input, names: [f, ...(ALIASES[f] ?? [])] });
    }
    for (const [f, kind] of Object.entries(e.fields)) {
      for (const b of breakers(kind, get)) out.push({ label: `${e.path} ${f} ${b.what}`, endpoint: e, input: { ...base, [f]: b.value }, names: b.names !== undefined ? [b.names] : [f, ...(ALIASES[f] ?? [])], ...(b.status ? { status: b.status } : {}) });
    }
    if (!get) {
      const deep = `{"fuzz":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      // (`null` is not here: MLflow reads it as an empty message, as it does no body.)
      const bodies: [string, string | Buffer][] = [
        ['not JSON', '{"a":'], ['an array', '[1,2]'], ['a number', '7'], ['a string of an array (encoded twice)', JSON.stringify('[1,2]')], ['a string not JSON', '"fuzz"'],
        ['too deep', deep], ['not UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ];
      for (const [what, raw] of bodies) out.push({ label: `${e.path} body ${what}`, endpoint: e, raw });
    }
  }
  // Past the body limit: log-batch's 1 MB (MLflow's own), and the server's limit elsewhere.
  const logBatch = ENDPOINTS.find((e) => e.path === 'runs/log-batch') as Endpoint;
  out.push({ label: 'runs/log-batch body over 1 MB', endpoint: logBatch, raw: JSON.stringify({ run_id: c.runId, params: [{ key: 'p', value: 'v'.repeat(1_100_000) }] }) });
  return out;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(prefix: string, e: Endpoint, input: Record<string, unknown> | undefined, raw?: string | Buffer): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${loam.adminToken}` };
  let path = `${prefix}/${e.path}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (e.method === 'GET') {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(input ?? {})) for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
    if (q.size) path += `?${q}`;
  } else {
    headers['content-type'] = 'application/json';
    body = raw === undefined ? toJsonText(input) : typeof raw === 'string' ? raw : new Uint8Array(raw);
  }
  const res = await fetch(`${url}${path}`, { method: e.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: judged below
  }
  return { status: res.status, body: parsed, text };
}

/** What is wrong with an answer to a broken case, or undefined when it is a proper MLflow refusal. */
function judge(c: Case, a: Answer): string | undefined {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  if (c.status !== undefined && a.status !== c.status) return `status ${a.status}, not ${c.status}: ${a.text.slice(0, 300)}`;
  const { error_code: code, message } = a.body;
  if (typeof code !== 'string' || !/^[A-Z_]+$/.test(code) || typeof message !== 'string' || message === '') return `not MLflow's error shape: ${a.text.slice(0, 300)}`;
  if (c.names !== undefined && !c.names.some((n) => names(message, n))) return `message does not name '${c.names.join("' or '")}': ${message.slice(0, 300)}`;
  return undefined;
}

const admin = () => ({ authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' });
async function mlflow(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<Record<string, any>> {
  const q = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
  const res = await fetch(`${url}/api/2.0/mlflow/${path}${q}`, { method, headers: admin(), ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
  const json = (await res.json()) as Record<string, any>;
  expect(res.status, `${path}: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

/** What a refused request could touch, as the API answers it. */
async function snapshot(c: Canary): Promise<unknown> {
  return {
    experiment: await mlflow('GET', 'experiments/get', { experiment_id: c.experimentId }),
    experiments: await mlflow('POST', 'experiments/search', { max_results: 100, view_type: 'ALL' }),
    run: await mlflow('GET', 'runs/get', { run_id: c.runId }),
    runs: await mlflow('POST', 'runs/search', { experiment_ids: [c.experimentId, '0'], run_view_type: 'ALL' }),
    history: await mlflow('GET', 'metrics/get-history', { run_id: c.runId, metric_key: 'loss' }),
  };
}

describe('MLflow input fuzz: every endpoint refuses broken input with a 4xx in MLflow\'s shape naming the field', () => {
  it(`seed ${SEED}: no 5xx, no hang, messages name the field, the canary run unchanged`, async () => {
    const { experiment_id: experimentId } = await mlflow('POST', 'experiments/create', { name: 'fuzz-canary', tags: [{ key: 'keep', value: 'me' }] });
    const { run } = await mlflow('POST', 'runs/create', { experiment_id: experimentId, run_name: 'canary', start_time: 1, tags: [{ key: 'keep', value: 'me' }] });
    const canary: Canary = { experimentId, runId: run.info.run_id };
    await mlflow('POST', 'runs/log-batch', { run_id: canary.runId, metrics: [1, 2, 3].map((s) => ({ key: 'loss', value: 1 / s, timestamp: s, step: s })), params: [{ key: 'lr', value: '0.1' }] });
    const before = await snapshot(canary);

    const rand = seededRandom(SEED);
    const all = casesOf(canary);
    const picked = shuffled(sample(all, CASES, rand), rand).map((c) => ({ c, prefix: rand() < 0.5 ? '/api/2.0/mlflow' : '/ajax-api/2.0/mlflow' }));
    const findings = (await pool(picked.map(({ c, prefix }) => async () => {
      try {
        const problem = judge(c, await call(prefix, c.endpoint, c.input, c.raw));
        return problem && `${prefix} ${c.label}: ${problem}`;
      } catch (e) {
        return `${prefix} ${c.label}: no answer (${String(e)})`; // a timeout (a hang) or a dropped connection
      }
    }), CONCURRENCY)).filter((f): f is string => typeof f === 'string');
    console.info(`mlflow input fuzz: seed ${SEED}, ${picked.length} of ${all.length} cases`);
    expect(findings).toEqual([]);
    expect(await snapshot(canary)).toEqual(before);
  }, 120_000);
});
