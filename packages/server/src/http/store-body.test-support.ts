import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect } from 'vitest';
import { closeBackends } from '@loam/adapters/artifacts/s3/s3-misbehaving-backend.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Routes answering with a store body (sendStoreBody) over an S3 artifact backend (a loopback test backend), and their
// clients that stop reading.

/** A backend's answer for an object it does not hold. */
export function answerNoSuchKey(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
}

export interface LoamOnS3Backend {
  /** Opens a test Loam whose artifacts are on the S3 backend at `endpoint`, with the backend limits given, listening on loopback. */
  open(endpoint: string, limits: Record<string, string>): Promise<{ loam: TestLoam; url: string }>;
  /**
   * Sends a GET of `target` (path and query) to the Loam at `url` over a raw connection that reads the answer's first
   * bytes, then nothing more. An answer other than a 200 is remembered: `untilServed` fails on it.
   */
  stall(url: string, target: string, headers?: Record<string, string>): void;
  /** Waits until `served()` (a count of the backend's answers) reaches `n`, failing when a stalled GET was refused. */
  untilServed(served: () => number, n: number): Promise<void>;
  /** The stalled clients' connections. */
  readonly clients: Socket[];
}

/** Test Loams on S3 backends: after each test, the stalled clients, the Loam and every backend are closed. */
export function loamOnS3Backend(): LoamOnS3Backend {
  let loam: TestLoam | undefined;
  const clients: Socket[] = [];
  const refused: string[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    refused.length = 0;
    await loam?.close();
    loam = undefined;
    await closeBackends();
  });
  return {
    clients,
    async open(endpoint, limits) {
      loam = await openTestLoam({
        LOAM_ARTIFACTS__TYPE: 's3',
        LOAM_ARTIFACTS__ENDPOINT: endpoint,
        LOAM_ARTIFACTS__ACCESS_KEY_ID: 'test',
        LOAM_ARTIFACTS__SECRET_ACCESS_KEY: 'test',
        ...limits,
      });
      return { loam, url: await listenOnLoopback(loam) };
    },
    stall(url, target, headers = {}) {
      const u = new URL(url);
      const socket = connect(Number(u.port), u.hostname);
      clients.push(socket);
      socket.on('error', () => {});
      const head = Object.entries({ Host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET ${target} HTTP/1.1\r\n${head}\r\n`);
      socket.once('data', (first: Buffer) => {
        socket.pause();
        const status = first.toString('latin1').split('\r\n')[0] ?? '';
        if (!status.startsWith('HTTP/1.1 200')) refused.push(status);
      });
    },
    async untilServed(served, n) {
      while (served() < n) {
        expect(refused).toEqual([]);
        await sleep(20);
      }
    },
  };
}
