import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLFLOW_ARTIFACT_BUCKET } from '@loam/core';
import { fuzzServer } from '../../operations/fuzz-server.test-support.js';
import { names, seededRandom, shuffled } from '../../operations/input-fuzz.test-support.js';
import { mlflowOk } from './mlflow-input-fuzz.test-support.js';

// The MLflow input fuzz for the artifact proxy (/api/2.0/mlflow-artifacts/artifacts/<path>): uploads,
// downloads, deletes and listings of odd paths, sent byte for byte as written (no client normalizes them):
// `..` and `.` segments, plain and percent-encoded, absolute paths, encoded slashes and backslashes, NUL,
// invalid UTF-8, paths past S3's 1024 bytes, unicode. Each answer is a 2xx that stays inside the run's
// folder or a 4xx in MLflow's shape naming the path; never a 5xx or a hang. After the fuzz, every stored
// object lies under a run's `artifacts/` folder with no dot segment, nothing was written outside the
// artifact store, and the canary files of two experiments are unchanged. Every case is sent, in an order
// LOAM_FUZZ_SEED picks.

const fuzz = fuzzServer({ seed: 20261129, timeoutMs: 20_000 });
const ESCAPE = `loam-fuzz-escape-${process.pid}`;
const CANARY_BODY = 'the canary artifact, which no refused request may change';

interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * A request with its path sent exactly as given (fetch and URL would resolve `..` and `%2e%2e`); only
 * characters past ASCII are percent-encoded, as a client must.
 */
function raw(method: string, path: string, body?: string): Promise<Answer> {
  const u = new URL(fuzz.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), method, path: path.replace(/[^\x00-\x7f]/gu, encodeURIComponent), headers: { authorization: `Bearer ${fuzz.loam.adminToken}`, ...(body !== undefined ? { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } : {}) }, signal: fuzz.signal() }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Odd tails of an artifact path, as written on the wire (percent-escapes included). */
const ODD: readonly string[] = [
  '..', '../..', '../../../../../../../../../../tmp/' + ESCAPE, `../../../${ESCAPE}`, `a/../../../${ESCAPE}`, `./${ESCAPE}`, `a/./b`, 'a//b', '.',
  `%2e%2e/%2e%2e/%2e%2e/${ESCAPE}`, `%2E%2E%2F%2E%2E%2F%2E%2E%2F${ESCAPE}`, `..%2f..%2f..%2f${ESCAPE}`, `a%2F..%2F..%2F..%2F${ESCAPE}`, `%252e%252e/${ESCAPE}`,
  `..%5c..%5c..%5c${ESCAPE}`, `a%5Cb`, 'a%00b', '%00', 'a%0Ab', `a%2Fb`, '%FF%FE', '%ED%A0%80', '%C0%AE%C0%AE/x',
  'a'.repeat(1100), `${'d/'.repeat(600)}x`, 'a'.repeat(8000), 'é/文件.txt', '%F0%9F%98%80.txt', 'a%20b.txt', 'trailing-dot.', 'trailing-space%20', '.loam-reserved',
];
/** Whole proxy paths that are odd: absolute, another experiment's, none at all. */
const ODD_WHOLE: readonly string[] = ['/etc/passwd', '%2Fetc%2Fpasswd', `/tmp/${ESCAPE}`, 'C:%5Cwindows', '..', `../../${ESCAPE}`, '', '%2e%2e'];

interface Case {
  readonly label: string;
  readonly send: () => Promise<Answer>;
  /** The artifact path as the server reads it, which a not-found may name instead of the field. */
  readonly path: string;
}

const decoded = (p: string) => {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

function cases(runFolder: string): Case[] {
  const out: Case[] = [];
  const prefixes = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];
  const paths = [...ODD.map((t) => `${runFolder}/${t}`), ...ODD_WHOLE];
  paths.forEach((p, i) => {
    const prefix = prefixes[i % 2] as string;
    const short = p.length > 60 ? `${p.slice(0, 57)}…(${p.length})` : p;
    const path = decoded(p);
    out.push({ label: `PUT ${short}`, path, send: () => raw('PUT', `${prefix}/artifacts/${p}`, 'fuzz') });
    out.push({ label: `GET ${short}`, path, send: () => raw('GET', `${prefix}/artifacts/${p}`) });
    out.push({ label: `DELETE ${short}`, path, send: () => raw('DELETE', `${prefix}/artifacts/${p}`) });
    out.push({ label: `list ${short}`, path, send: () => raw('GET', `${prefix}/artifacts?path=${p.replace(/[?#&+]/g, encodeURIComponent)}`) });
  });
  return out;
}

/** What is wrong with an answer, or undefined: a 2xx, or a 4xx in MLflow's shape naming the path (a 404: the path it did not find). */
function judge(c: Case, a: Answer): string | undefined {
  if (a.status >= 200 && a.status < 300) return undefined; // where it went is checked after the fuzz
  if (a.status < 400 || a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  let body: { error_code?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    // judged below
  }
  const { error_code: code, message } = body;
  if (typeof code !== 'string' || !/^[A-Z_]+$/.test(code) || typeof message !== 'string' || message === '') return `not MLflow's error shape: ${a.text.slice(0, 300)}`;
  if (!names(message, 'path') && !(a.status === 404 && message.includes(c.path))) return `message does not name the path: ${message.slice(0, 300)}`;
  return undefined;
}

/** Files named like the escape target anywhere a traversal could put them. */
function escaped(dataDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.includes(ESCAPE)) found.push(join(dir, e.name));
      if (e.isDirectory() && depth < 40) walk(join(dir, e.name), depth + 1);
    }
  };
  walk(dataDir, 0);
  for (const dir of [dirname(dataDir), '/tmp', '/']) if (existsSync(join(dir, ESCAPE))) found.push(join(dir, ESCAPE));
  return found;
}

async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await fuzz.loam.platform.artifacts.list({ bucket: MLFLOW_ARTIFACT_BUCKET, prefix: '', ...(startAfter ? { startAfter } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    if (!page.nextStartAfter) return keys;
    startAfter = page.nextStartAfter;
  }
}

describe('MLflow artifact proxy fuzz: odd paths stay inside the artifact root or get a 4xx naming the path', () => {
  it(`seed ${fuzz.seed}: no 5xx, no hang, no escape, the canary artifacts unchanged`, async () => {
    const folders: string[] = [];
    for (const name of ['fuzz-proxy', 'fuzz-other']) {
      const { experiment_id: experimentId } = await mlflowOk(fuzz, 'POST', 'experiments/create', { name });
      const { run } = await mlflowOk(fuzz, 'POST', 'runs/create', { experiment_id: experimentId });
      const folder = `${experimentId}/${run.info.run_id}/artifacts`;
      expect((await raw('PUT', `/api/2.0/mlflow-artifacts/artifacts/${folder}/model/canary.txt`, CANARY_BODY)).status).toBe(200);
      folders.push(folder);
    }
    const [runFolder, otherFolder] = folders as [string, string];
    const snapshot = async () => ({
      canary: await raw('GET', `/api/2.0/mlflow-artifacts/artifacts/${runFolder}/model/canary.txt`),
      other: await raw('GET', `/api/2.0/mlflow-artifacts/artifacts/${otherFolder}/model/canary.txt`),
      otherListing: await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${otherFolder}/model`),
    });
    const before = await snapshot();
    expect(before.canary.text).toBe(CANARY_BODY);

    const all = shuffled(cases(runFolder), seededRandom(fuzz.seed));
    const findings = (await fuzz.sendAll(all.map((c) => async () => {
      const problem = judge(c, await c.send());
      return problem && `${c.label}: ${problem}`;
    }), (i, e) => `${all[i]?.label}: no answer (${String(e)})`)).filter((f): f is string => typeof f === 'string');
    console.info(`mlflow artifact proxy fuzz: seed ${fuzz.seed}, ${all.length} cases`);
    expect(findings).toEqual([]);

    // Whatever was stored lies in a run's artifacts folder, under no dot or empty segment.
    const bad = (await storedKeys()).filter((k) => !folders.some((f) => k.startsWith(`mlflow/${f}/`)) || k.split('/').some((s) => s === '' || s === '.' || s === '..'));
    expect(bad).toEqual([]);
    expect(escaped(fuzz.loam.dataDir)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
