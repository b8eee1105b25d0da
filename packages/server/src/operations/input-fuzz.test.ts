import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { operationList, pathParams, type Operation } from '@loam/contracts';
import { storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';
import { awsJsonServices } from '../transports/aws-json/aws-json.routes.js';
import { Sha256 } from '../transports/s3/s3.test-support.js';
import { awsMemberPath } from './aws-member-path.js';
import { fuzzServer } from './fuzz-server.test-support.js';
import { HUGE, fuzzCases, names as namesIn, sample, seededRandom, shuffled, toJsonText, type CaseKind, type FuzzCase } from './input-fuzz.test-support.js';

// The brief's promise for bad input, over every operation of the table and both doors: each invalid input
// (a member missing, of the wrong JSON type, too long, off its pattern, out of range, not in its enum, unknown;
// a body too deep, not JSON, too large) gets a 4xx in the transport's error shape whose message names what was
// wrong; never a 5xx, never a hang; and what was stored before is unchanged after. Cases come from the input
// schemas, picked by a seed (LOAM_FUZZ_SEED to replay another run), at most PER_OP per operation and door
// (LOAM_FUZZ_PER_OP widens a run by hand: a large PER_OP sends every case). A fixed number of requests, all
// sent, with no time cut: a loaded machine makes the run slower, never shorter or failed.

const fuzz = fuzzServer({ seed: 20261128, timeoutMs: 30_000 });
const SEED = fuzz.seed;
const PER_OP = Number(process.env.LOAM_FUZZ_PER_OP ?? 3);

/**
 * Classes the fuzz finds that are not fixed yet, each with why; a case of one is reported, not failed.
 * Keyed `<door> <operation> <kind>` with `*` for any part. Keep this list short and honest.
 */
const KNOWN_UNFIXED: readonly { readonly match: string; readonly reason: string }[] = [];

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function read(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the assertion says so
  }
  return { status: res.status, body, text };
}

const services = awsJsonServices(operationList);
const targetOf = (op: Operation) => [...services.values()].find((s) => s.ops.get(op.name) === op);

/** An AWS JSON request signed by the AWS SDK's own SigV4 signer for the operation's service. */
async function aws(op: Operation, body: string): Promise<Answer> {
  const entry = targetOf(op)!;
  const u = new URL(fuzz.url);
  const signer = new SignatureV4({ service: entry.service.signingName, region: 'us-east-1', credentials: { accessKeyId: fuzz.loam.adminAccessKeyId, secretAccessKey: fuzz.loam.adminSecretAccessKey }, sha256: Sha256 });
  const headers = { host: u.host, 'content-type': entry.contentType, 'x-amz-target': `${entry.targetPrefix}.${op.name}` };
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers, body });
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') sent[k] = String(v);
  return read(await fetch(`${fuzz.url}/`, { method: 'POST', headers: sent, body, signal: fuzz.signal() }));
}

/** A REST request as the admin, with the operation's path filled from the input. */
async function rest(op: Operation, input: Record<string, unknown>, rawBody?: string): Promise<Answer | undefined> {
  const params = pathParams(op.rest.path);
  let path = op.rest.path;
  for (const p of params) {
    const v = input[p];
    if (typeof v !== 'string' || v === '') return undefined; // not expressible in a path
    path = path.replace(`{${p}}`, encodeURIComponent(v));
  }
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !params.includes(k)));
  const bodyless = op.rest.method === 'GET' || op.rest.method === 'DELETE';
  const headers: Record<string, string> = { authorization: `Bearer ${fuzz.loam.adminToken}` };
  let body: string | undefined;
  if (bodyless) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) {
      const text = (x: unknown) => (x === HUGE ? '1e999' : String(x));
      if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) for (const x of v) q.append(k, text(x));
      else if (typeof v !== 'object') q.append(k, text(v));
      else return undefined; // an object does not travel in a query string
    }
    if (q.size > 0) path += `?${q}`;
  } else {
    body = rawBody ?? toJsonText(rest);
    headers['content-type'] = 'application/json';
  }
  return read(await fetch(`${fuzz.url}${path}`, { method: op.rest.method, headers, body, signal: fuzz.signal() }));
}

/** Cases a query string cannot carry as invalid: any string member's wrong type is a string again there. */
function restCarries(op: Operation, c: FuzzCase): boolean {
  const bodyless = op.rest.method === 'GET' || op.rest.method === 'DELETE';
  const top = c.path[0] as string;
  if (pathParams(op.rest.path).includes(top)) return c.path.length === 1 && ['too-long', 'pattern'].includes(c.kind);
  if (!bodyless) return true;
  if (c.kind === 'null') return false; // a query string has no null
  if (c.path.length > 1 && !(c.path.length === 2 && typeof c.path[1] === 'number')) return false;
  return c.kind !== 'wrong-type' || typeof c.input[top] === 'string';
}

interface Finding {
  readonly key: string;
  readonly detail: string;
}

/** What is wrong with an answer to an invalid case, or undefined when it is a proper refusal. */
function judge(door: 'aws' | 'rest', a: Answer, names: string | undefined): string | undefined {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  const message = door === 'aws' ? a.body['message'] : a.body['detail'];
  const code = door === 'aws' ? a.body['__type'] : a.body['code'];
  if (typeof code !== 'string' || code === '' || typeof message !== 'string' || message === '') return `no error shape: ${a.text.slice(0, 300)}`;
  if (names !== undefined && !namesIn(message, names)) return `message does not name '${names}': ${message.slice(0, 300)}`;
  return undefined;
}

const known = (key: string) => KNOWN_UNFIXED.find((k) => {
  const [d, o, kind] = k.match.split(' ');
  const [kd, ko, kk] = key.split(' ');
  return (d === '*' || d === kd) && (o === '*' || o === ko) && (kind === '*' || kind === kk);
});

/** The stored state a failed refusal could touch, as the API answers it. */
async function snapshot(): Promise<unknown> {
  const get = async (path: string) => (await read(await fetch(`${fuzz.url}${path}`, { headers: { authorization: `Bearer ${fuzz.loam.adminToken}` } }))).body;
  return {
    experiment: await get('/api/v1/sagemaker-experiments/experiments/fuzz-canary'),
    model: await get('/api/v1/models/fuzz-canary'),
    user: await get('/api/v1/users/fuzz-canary'),
    tags: await get(`/api/v1/tags?ResourceArn=${encodeURIComponent('arn:loam:iam::000000000000:user/fuzz-canary')}`),
    models: await get('/api/v1/models'),
    users: await get('/api/v1/users'),
  };
}

describe('path parameters', () => {
  // Found by the fuzz: find-my-way refused a parameter over 100 characters before validation (Fastify's own
  // error shape, or "No route" for GET), so a too-long name in the path never met the message naming it.
  it('each one one character over its maxLength is refused by validation, naming the member, on every REST route', async () => {
    const problems: string[] = [];
    for (const op of operationList) {
      for (const p of pathParams(op.rest.path)) {
        const s = (op.input as { properties?: Record<string, { type?: string; maxLength?: number }> }).properties?.[p];
        if (s?.type !== 'string' || s.maxLength === undefined || s.maxLength < 100) continue;
        const { base } = fuzzCases(op.input);
        const a = await rest(op, { ...base, [p]: 'a'.repeat(s.maxLength + 1) });
        const problem = a && judge('rest', a, awsMemberPath(op.input, `/${p}`).at); // named as AWS names it: accessKeyId
        if (problem) problems.push(`${op.name} ${p}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('input fuzz: every operation refuses invalid input with a 4xx naming the member (AWS JSON and REST)', () => {
  it(`seed ${SEED}: no 5xx, no hang, every message names what was wrong, stored resources unchanged`, async () => {
    // The canaries: what an invalid request must never change.
    const admin = { authorization: `Bearer ${fuzz.loam.adminToken}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const a = await read(await fetch(`${fuzz.url}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) }));
      expect(a.status, `${path}: ${a.text}`).toBe(200);
    };
    await storeGbdtModel(fuzz.loam.platform.artifacts, { bucket: 'fuzz-canary', key: 'm/model.tar.gz' }, { rows: 50, rounds: 2 });
    await post('/api/v1/users', { UserName: 'fuzz-canary', Tags: [{ Key: 'keep', Value: 'me' }] });
    await post('/api/v1/models', { ModelName: 'fuzz-canary', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://fuzz-canary/m/model.tar.gz' }, ExecutionRoleArn: 'arn:aws:iam::000000000000:role/LoamTests' });
    await post('/api/v1/sagemaker-experiments/experiments', { ExperimentName: 'fuzz-canary', Description: 'before the fuzz' });
    const before = await snapshot();

    const rand = seededRandom(SEED);
    const tasks: (() => Promise<Finding | undefined>)[] = [];
    const labels: string[] = [];
    const push = (label: string, t: () => Promise<Finding | undefined>) => {
      labels.push(label);
      tasks.push(t);
    };
    let cases = 0;
    const kinds = new Set<CaseKind | 'body'>();
    for (const op of operationList) {
      const derived = fuzzCases(op.input);
      const base = derived.base;
      const picked = sample(derived.cases, PER_OP, rand);
      cases += picked.length;
      const onAws = targetOf(op) !== undefined;
      for (const c of picked) {
        kinds.add(c.kind);
        const key = (door: string) => `${door} ${op.name} ${c.kind}`;
        const describeCase = (a: string) => `${c.shown} (${c.kind}) ${JSON.stringify(c.input).slice(0, 200)} → ${a}`;
        if (onAws) push(key('aws') + ' ' + c.shown, async () => {
          const problem = judge('aws', await aws(op, toJsonText(c.input)), c.shown);
          return problem ? { key: key('aws'), detail: describeCase(problem) } : undefined;
        });
        if (restCarries(op, c)) push(key('rest') + ' ' + c.shown, async () => {
          const a = await rest(op, c.input);
          const problem = a && judge('rest', a, c.shown);
          return problem ? { key: key('rest'), detail: describeCase(problem) } : undefined;
        });
      }
      // Bodies that are wrong as a whole: not JSON, not an object, nested past any input's depth.
      const deep = `{"FuzzDeep":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const bodies: [string, string][] = [['not-json', '{"a":'], ['not-an-object', '[1,2]'], ['too-deep', deep]];
      for (const [what, body] of sample(bodies, 1, rand)) {
        kinds.add('body');
        if (onAws) push(`aws ${op.name} ${what}`, async () => {
          const problem = judge('aws', await aws(op, body), undefined);
          return problem ? { key: `aws ${op.name} body`, detail: `${what} → ${problem}` } : undefined;
        });
        if (op.rest.method !== 'GET' && op.rest.method !== 'DELETE') push(`rest ${op.name} ${what}`, async () => {
          const a = await rest(op, base, body);
          const problem = a && judge('rest', a, undefined);
          return problem ? { key: `rest ${op.name} body`, detail: `${what} → ${problem}` } : undefined;
        });
      }
    }
    // Bodies over the operation's limit (the server's 10 MiB by default), on two operations.
    for (const op of sample(operationList.filter((o) => targetOf(o) && o.rest.method !== 'GET' && o.rest.method !== 'DELETE'), 2, rand)) {
      const limit = op.bodyLimit ?? fuzz.loam.platform.config.server.bodyLimitBytes;
      const body = `{"FuzzPad":"${'a'.repeat(limit)}"}`;
      kinds.add('body');
      push(`aws ${op.name} too-large`, async () => {
        const problem = judge('aws', await aws(op, body), undefined);
        return problem ? { key: `aws ${op.name} body`, detail: `too-large → ${problem}` } : undefined;
      });
      push(`rest ${op.name} too-large`, async () => {
        const a = await rest(op, fuzzCases(op.input).base, body);
        const problem = a && judge('rest', a, undefined);
        return problem ? { key: `rest ${op.name} body`, detail: `too-large → ${problem}` } : undefined;
      });
    }
    // Shuffled, so the operations' requests interleave (a slow one does not hold up one operation's batch).
    const order = shuffled(tasks.map((_, i) => i), rand);
    const t0 = Date.now();
    const findings = (await fuzz.sendAll(order.map((i) => tasks[i] as () => Promise<Finding | undefined>), (j, e) => (
      { key: `${labels[order[j] as number]} hang`, detail: String(e) } // a timeout (a hang) or a dropped connection
    ))).filter((f): f is Finding => f !== undefined);
    const elapsed = Date.now() - t0;
    const sent = tasks.length;

    const unfixed = findings.filter((f) => !known(f.key));
    const accepted = findings.filter((f) => known(f.key));
    if (accepted.length) console.warn(`input fuzz: ${accepted.length} finding(s) of known, unfixed classes:\n${accepted.slice(0, 20).map((f) => `  ${f.key}: ${known(f.key)?.reason}`).join('\n')}`);
    console.info(`input fuzz: seed ${SEED}, ${operationList.length} operations, ${cases} cases, ${sent} requests in ${elapsed} ms`);
    if (unfixed.length) console.error(`input fuzz: ${unfixed.length} finding(s):\n${unfixed.map((f) => `  ${f.key}: ${f.detail}`).join('\n')}`);
    expect(unfixed.map((f) => `${f.key}: ${f.detail}`)).toEqual([]);
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['body', 'enum', 'missing', 'pattern', 'too-long', 'unknown-member', 'wrong-type']));

    // Nothing stored was lost or changed, and no refused request made anything.
    expect(await snapshot()).toEqual(before);
    // Every case is sent, however slow the machine: 8 s here at load 18, about 57 s on a quiet CI box, 184 s
    // at load 28; the limit is twice the slowest seen, so only a real hang (each request's own 30 s) fails it.
  }, 360_000);
});
