import { expect } from 'vitest';
import type { FuzzServer } from '../../operations/fuzz-server.test-support.js';
import { HUGE, names, sample, seededRandom, shuffled, toJsonText } from '../../operations/input-fuzz.test-support.js';

/*
 * The MLflow input fuzz's machinery, shared by the tracking fuzz (mlflow-input-fuzz.test.ts) and the model
 * registry's (registry/mlflow-registry-input-fuzz.test.ts): a table of endpoints with each field's kind, the
 * values that break a field of each kind, and the judge of an answer (a 4xx in MLflow's shape naming the field).
 */

export type Field =
  | 'run-id' | 'exp-id' | 'string' | 'key' | 'long' | 'double' | 'key-values' | 'strings' | 'entities'
  | 'model' | 'version' | 'alias' | 'stage' | 'filter';
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export interface Endpoint<C> {
  readonly path: string;
  readonly method: Method;
  /** Each field with its kind. */
  readonly fields: Readonly<Record<string, Field>>;
  readonly required: readonly string[];
  readonly base: (c: C) => Record<string, unknown>;
}

export interface Case<C> {
  readonly label: string;
  readonly endpoint: Endpoint<C>;
  /** The input with one field broken, or a raw body. */
  readonly input?: Record<string, unknown>;
  readonly raw?: string | Buffer;
  /** What the message must name, one of: the field (or MLflow's words for it), or the id not found. */
  readonly names?: readonly string[];
  /** A status the case must get (an unknown id: 404). */
  readonly status?: number;
}

export const NOPE_RUN = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
export const NOPE_MODEL = 'fuzz-no-such-model';
/**
 * What a message may call a field besides its own name: MLflow's own words ("Tag name 'k…' had length …",
 * "Invalid page token", "Invalid experiment name"), or a member of the field's items it found wrong.
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  key: ['name'], value: ['value'], name: ['experiment name', 'Experiment name', 'Registered model name'], new_name: ['experiment name', 'Experiment name'], experiment_name: ['name'], page_token: ['page token'], artifact_location: ['Artifact location'],
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
    case 'model':
      return [...wrongType, { what: 'unknown', value: NOPE_MODEL, names: NOPE_MODEL, status: 404 }, { what: 'too long', value: 'm'.repeat(get ? 6000 : 300_000) }, { what: 'empty', value: '' }];
    case 'version':
      return [...wrongType, { what: 'unknown', value: '987', names: '987', status: 404 }, ...['abc', '01', '0', '-1', '1.5', ' 1', '9'.repeat(30)].map((v) => ({ what: `'${v.slice(0, 12)}'`, value: v }))];
    case 'alias':
      return [...wrongType, ...['bad alias!', 'a/b', '..', 'a'.repeat(300), 'latest', 'V7', 'é\u0000'].map((v) => ({ what: `'${v.slice(0, 12)}'`, value: v }))];
    case 'stage':
      return [...wrongType, { what: 'unknown', value: 'Nope' }, { what: 'empty', value: '' }];
    case 'filter':
      return [...wrongType, ...["name = ", "bogus = 'x'", "name = 'x' OR name = 'y'", '(', "name LIKE 5", "tags.`k = 'v'", "name = 'x' AND", 'f'.repeat(get ? 6000 : 300_000)].map((v) => ({ what: `'${v.slice(0, 16)}'`, value: v }))];
  }
}

/** Every broken case of the endpoints: each required field missing, each field broken each way, bad bodies. */
export function casesOf<C>(endpoints: readonly Endpoint<C>[], c: C): Case<C>[] {
  const out: Case<C>[] = [];
  for (const e of endpoints) {
    const base = e.base(c);
    const get = e.method === 'GET';
    for (const f of e.required) {
      const input = { ...base };
      delete input[f];
      out.push({ label: `${e.method} ${e.path} ${f} missing`, endpoint: e, input, names: [f, ...(ALIASES[f] ?? [])] });
    }
    for (const [f, kind] of Object.entries(e.fields)) {
      for (const b of breakers(kind, get)) out.push({ label: `${e.method} ${e.path} ${f} ${b.what}`, endpoint: e, input: { ...base, [f]: b.value }, names: b.names !== undefined ? [b.names] : [f, ...(ALIASES[f] ?? [])], ...(b.status ? { status: b.status } : {}) });
    }
    if (!get) {
      const deep = `{"fuzz":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      // (`null` is not here: MLflow reads it as an empty message, as it does no body.)
      const bodies: [string, string | Buffer][] = [
        ['not JSON', '{"a":'], ['an array', '[1,2]'], ['a number', '7'], ['a string of an array (encoded twice)', JSON.stringify('[1,2]')], ['a string not JSON', '"fuzz"'],
        ['too deep', deep], ['not UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ];
      for (const [what, raw] of bodies) out.push({ label: `${e.method} ${e.path} body ${what}`, endpoint: e, raw });
    }
  }
  return out;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call<C>(fuzz: FuzzServer, prefix: string, e: Endpoint<C>, input: Record<string, unknown> | undefined, raw?: string | Buffer): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${fuzz.loam.adminToken}` };
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
  const res = await fetch(`${fuzz.url}${path}`, { method: e.method, headers, body, signal: fuzz.signal() });
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
export function judge(c: Pick<Case<unknown>, 'names' | 'status'>, a: Answer): string | undefined {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  if (c.status !== undefined && a.status !== c.status) return `status ${a.status}, not ${c.status}: ${a.text.slice(0, 300)}`;
  const { error_code: code, message } = a.body;
  if (typeof code !== 'string' || !/^[A-Z_]+$/.test(code) || typeof message !== 'string' || message === '') return `not MLflow's error shape: ${a.text.slice(0, 300)}`;
  if (c.names !== undefined && !c.names.some((n) => names(message, n))) return `message does not name '${c.names.join("' or '")}': ${message.slice(0, 300)}`;
  return undefined;
}

/** A request that must succeed (the canaries, the snapshots); its JSON. */
export async function mlflowOk(fuzz: FuzzServer, method: Method, path: string, body?: Record<string, unknown>): Promise<Record<string, any>> {
  const q = method === 'GET' && body ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
  const headers = { authorization: `Bearer ${fuzz.loam.adminToken}`, 'content-type': 'application/json' };
  const res = await fetch(`${fuzz.url}/api/2.0/mlflow/${path}${q}`, { method, headers, ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}) });
  const json = (await res.json()) as Record<string, any>;
  expect(res.status, `${path}: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

/**
 * Sends `count` of the cases (all of them when `count` is larger), picked and ordered by the fuzz's seed,
 * each on one of MLflow's two prefixes; the findings, one line each.
 */
export async function fuzzMlflow<C>(fuzz: FuzzServer, all: readonly Case<C>[], count: number, name: string): Promise<string[]> {
  const rand = seededRandom(fuzz.seed);
  const picked = shuffled(sample(all, count, rand), rand).map((c) => ({ c, prefix: rand() < 0.5 ? '/api/2.0/mlflow' : '/ajax-api/2.0/mlflow' }));
  const findings = await fuzz.sendAll(picked.map(({ c, prefix }) => async () => {
    const problem = judge(c, await call(fuzz, prefix, c.endpoint, c.input, c.raw));
    return problem && `${prefix} ${c.label}: ${problem}`;
  }), (i, e) => `${picked[i]?.prefix} ${picked[i]?.c.label}: no answer (${String(e)})`); // a timeout (a hang) or a dropped connection
  console.info(`${name}: seed ${fuzz.seed}, ${picked.length} of ${all.length} cases`);
  return findings.filter((f): f is string => typeof f === 'string');
}
