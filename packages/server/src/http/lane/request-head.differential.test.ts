import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequestHead } from './request-head.js';
import { seededRandom } from '@loam/testkit/random/seeded-random';

// Differential test (ADR 0016): every head the lane reads itself must read the same in Node's own
// HTTP parser. Heads are mutated from realistic InvokeEndpoint requests with a seeded PRNG, so a
// failure reproduces; each one the lane accepts as a POST is sent to a real `node:http` server.

/** Fixed: the same cases every run. */
const SEED = 0x10a3;
const CASES = 6000;
const CONCURRENCY = 16;
/** A mutated Content-Length above this is not sent (the body would be mostly padding). */
const MAX_BODY = 64 * 1024;

const SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';

/** Realistic InvokeEndpoint requests (boto3, the AWS CLI, curl): head lines and body. */
const BASES: readonly { readonly lines: readonly string[]; readonly body: string }[] = [
  {
    lines: [
      'POST /endpoints/my-endpoint/invocations HTTP/1.1',
      'Host: localhost:7717',
      'Accept-Encoding: identity',
      'Content-Type: text/csv',
      'Accept: application/json',
      'User-Agent: Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.7',
      'X-Amz-Date: 20260101T000000Z',
      'X-Amz-Content-SHA256: 4e1243bd22c66e76c2ba9eddc1f91394e57f9f83',
      `Authorization: ${SIGV4}`,
      'amz-sdk-invocation-id: 1f6a0b7e-5a7c-4c55-9d0e-2f1a2b3c4d5e',
      'amz-sdk-request: attempt=1',
      'Content-Length: 11',
    ],
    body: '1.5,2,3.25\n',
  },
  {
    lines: [
      'POST /endpoints/xgb-churn/invocations?x=1 HTTP/1.1',
      'Host: 127.0.0.1:8080',
      'Content-Type: application/json',
      'X-Amzn-SageMaker-Custom-Attributes: trace=on, c="a;b"',
      'X-Amzn-SageMaker-Target-Model: model-a.tar.gz',
      'Connection: keep-alive',
      'Content-Length: 27',
    ],
    body: '{"instances":[[1,2],[3,4]]}',
  },
  {
    lines: ['POST /invocations HTTP/1.1', 'Host: localhost', 'User-Agent: curl/8.5.0', 'Accept: */*', 'Content-Length: 5', 'Connection: close'],
    body: 'hello',
  },
];

/** A seeded generator of whole numbers below n. */
function prng(seed: number): (n: number) => number {
  const random = seededRandom(seed);
  return (n) => Math.floor(random() * n);
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** One byte (as a latin1 character) of the kinds that matter to a head parser. */
function pickByte(rand: (n: number) => number): string {
  const kinds = [' ', '\t', '\r', '\n', ':', '\x00', '\x7f', ',', 'obs', 'letter', 'digit'] as const;
  const k = kinds[rand(kinds.length)] as (typeof kinds)[number];
  if (k === 'obs') return String.fromCharCode(0x80 + rand(0x80));
  if (k === 'letter') return LETTERS[rand(LETTERS.length)] as string;
  if (k === 'digit') return String(rand(10));
  return k;
}

/** Flips the case of an ASCII letter, leaves anything else. */
const flipCase = (c: string): string => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase());

/** One mutation of `head` (the lines with their CRLFs, the blank line excluded). */
function mutate(head: string, rand: (n: number) => number): string {
  const at = rand(head.length + 1);
  switch (rand(7)) {
    case 0:
    case 1:
      return head.slice(0, at) + pickByte(rand) + head.slice(at);
    case 2:
      return head.slice(0, at) + pickByte(rand) + head.slice(at + 1);
    case 3:
      return head.slice(0, at) + head.slice(at + 1);
    case 4: // Obsolete line folding.
      return `${head.slice(0, at)}\r\n${rand(2) === 0 ? ' ' : '\t'}${head.slice(at)}`;
    case 5: {
      // A header line repeated elsewhere, its name's case maybe changed.
      const lines = head.split('\r\n').slice(0, -1);
      const from = 1 + rand(lines.length - 1);
      const to = 1 + rand(lines.length);
      let copy = lines[from] as string;
      if (rand(2) === 0) copy = [...copy].map((c) => (rand(2) === 0 ? flipCase(c) : c)).join('');
      lines.splice(to, 0, copy);
      return `${lines.join('\r\n')}\r\n`;
    }
    default: {
      // Case changes: a run of up to 8 characters.
      const len = 1 + rand(8);
      return head.slice(0, at) + [...head.slice(at, at + len)].map(flipCase).join('') + head.slice(at + len);
    }
  }
}

/** What a parser made of a request: method, url, rawHeaders and body. */
type Reading = readonly [method: string, url: string, rawHeaders: readonly string[], body: string];

/** A differential case: the exact bytes on the wire and the lane's reading of them. */
interface Case {
  /** Its place among the generated cases. */
  readonly index: number;
  readonly wire: Buffer;
  readonly lane: Reading;
}

/**
 * The cases, mutated from {@link BASES}: each one the lane reads as a POST head, with its bytes made
 * exactly head + Content-Length body (the rest of the mutated text first, then padding).
 */
function cases(): { compared: Case[]; generated: number } {
  const rand = prng(SEED);
  const compared: Case[] = [];
  for (let n = 0; n < CASES; n++) {
    const base = BASES[n % BASES.length] as (typeof BASES)[number];
    let head = `${base.lines.join('\r\n')}\r\n`;
    // Case 0 of each base is unmutated: the plain requests must agree too.
    const mutations = n < BASES.length ? 0 : 1 + rand(2);
    for (let m = 0; m < mutations; m++) head = mutate(head, rand);
    const sent = Buffer.from(`${head}\r\n${base.body}`, 'latin1');
    const h = readRequestHead(sent);
    if (typeof h === 'string' || h.method !== 'POST' || h.contentLength > MAX_BODY) continue;
    const after = sent.subarray(h.headLength);
    const body = Buffer.alloc(h.contentLength, 'x');
    after.copy(body, 0, 0, h.contentLength);
    const wire = Buffer.concat([sent.subarray(0, h.headLength), body]);
    compared.push({ index: n, wire, lane: [h.method, h.url, h.rawHeaders, body.toString('latin1')] });
  }
  return { compared, generated: CASES };
}

let server: Server;
let port: number;
/** Node's readings, by the client port of the connection they came on. */
const nodeReadings = new Map<number, Reading[]>();

beforeAll(async () => {
  // Without a Host header Node answers 400 before any handler; the lane never answers such a request
  // either (its hostAllowed check refuses it), so the parsers are compared without that rule.
  server = createServer({ requireHostHeader: false }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const remotePort = req.socket.remotePort as number;
      const reading: Reading = [req.method ?? '', req.url ?? '', req.rawHeaders, Buffer.concat(parts).toString('latin1')];
      nodeReadings.set(remotePort, [...(nodeReadings.get(remotePort) ?? []), reading]);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Sends `wire` on a fresh connection, ended after it, and gives what Node read once it is closed. */
function viaNode(wire: Buffer): Promise<Reading[]> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.end(wire));
    let localPort = 0;
    s.once('connect', () => {
      localPort = s.localPort as number;
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      const seen = nodeReadings.get(localPort) ?? [];
      nodeReadings.delete(localPort);
      resolve(seen);
    });
  });
}

/** A case where Node did not read exactly the one request the lane read. */
interface Mismatch {
  readonly index: number;
  readonly bytes: string;
  readonly lane: Reading;
  readonly node: Reading[];
}

describe('readRequestHead against Node’s HTTP parser', () => {
  it('reads every mutated POST head it accepts as Node does: method, url, rawHeaders and body', async () => {
    const { compared, generated } = cases();
    const mismatches: Mismatch[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < compared.length) {
        const c = compared[next++] as Case;
        const node = await viaNode(c.wire);
        if (node.length !== 1 || JSON.stringify(node[0]) !== JSON.stringify(c.lane)) {
          mismatches.push({ index: c.index, bytes: c.wire.toString('latin1'), lane: c.lane, node });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    mismatches.sort((a, b) => a.index - b.index);
    // Not vacuous: a good share of the mutated heads are still ones the lane reads.
    expect(compared.length, `of ${generated} generated`).toBeGreaterThan(generated / 10);
    expect(mismatches, `lane and Node differ (bytes as latin1 JSON):\n${JSON.stringify(mismatches.slice(0, 5), null, 1)}`).toEqual([]);
  });
});
