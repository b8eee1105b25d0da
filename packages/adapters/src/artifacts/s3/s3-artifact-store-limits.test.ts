import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendConnectTimeout, BackendIdleTimeout, BackendSocketWaitTimeout } from './s3-agent.js';
import { S3_BACKEND_DEFAULTS, S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store.js';
import { mapS3Error } from './s3-errors.js';
import { answerObject, bodyServer, closeBackends, httpBackend, resettingServer, silentServer } from './s3-misbehaving-backend.test-support.js';

const stores: S3ArtifactStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await closeBackends();
});

async function open(endpoint: string, limits: S3ArtifactStoreOptions): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, ...limits });
  stores.push(store);
  return store;
}

// boto3 waits 60 s for a byte of an answer (its read timeout). Loam's S3 API and the SageMaker API wait for the
// artifact backend before they answer: at 3 attempts of 10 s to connect and 60 s of silence each, a hung backend failed
// after 3 minutes, and a boto3 client of Loam saw its own ReadTimeoutError, not Loam's 503 naming the backend.
describe('the S3 backend limits at their defaults', () => {
  it('fail a request to a backend that is hung in every way well within the 60 s a boto3 client waits', () => {
    const { maxAttempts, connectTimeoutMs, socketWaitTimeoutMs, idleTimeoutMs } = S3_BACKEND_DEFAULTS;
    // Each attempt: a connection that takes the whole connect limit, then the idle limit in silence; the SDK's backoff between (< 1 s).
    expect(maxAttempts * (connectTimeoutMs + idleTimeoutMs) + 1000).toBeLessThanOrEqual(45_000);
    // The same, each attempt first waiting the whole socket-wait limit for the full pool.
    expect(maxAttempts * (socketWaitTimeoutMs + connectTimeoutMs + idleTimeoutMs) + 1000).toBeLessThanOrEqual(55_000);
  });

  it('try a backend that never answers as many times as maxAttempts, the default when not set', { timeout: 30_000 }, async () => {
    const backend = await silentServer();
    const store = await open(backend.endpoint, { connectTimeoutMs: 2000, idleTimeoutMs: 200 });
    await expect(store.head({ bucket: 'models', key: 'a' })).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    expect(backend.connections()).toBe(S3_BACKEND_DEFAULTS.maxAttempts);

    const once = await silentServer();
    await expect((await open(once.endpoint, { idleTimeoutMs: 200, maxAttempts: 1 })).head({ bucket: 'models', key: 'a' })).rejects.toMatchObject({
      code: 'ServiceUnavailable',
      message: `The S3 artifact backend at ${once.endpoint} did not answer within 200 ms (artifacts.idleTimeoutMs); it may be hung or overloaded.`,
    });
    expect(once.connections()).toBe(1);
  });
});

// The SDK names both of its timeouts `TimeoutError` and tells them apart only in its message (reworded in 2025), and it
// names a reset connection `TimeoutError` too.
describe('what a failure of the backend is reported as', () => {
  const backend = { name: 'http://s3.test', connectTimeoutMs: 300, socketWaitTimeoutMs: 400, idleTimeoutMs: 200, maxAttempts: 2, maxSockets: 50 };
  const ref = { bucket: 'models', key: 'a' };

  it('is told by the error type and code, whatever the SDK says in its message', () => {
    const connect = Object.assign(new BackendConnectTimeout(300), { message: 'the request socket did not establish a connection' });
    expect(mapS3Error(connect, ref, backend).message).toBe('The S3 artifact backend at http://s3.test did not accept a connection within 300 ms (artifacts.connectTimeoutMs, each of up to 2 attempts); it may be down or unreachable.');
    const wait = Object.assign(new BackendSocketWaitTimeout(400, 50), { message: 'the request socket did not establish a connection' });
    expect(mapS3Error(wait, ref, backend).message).toMatch(/^Waited 400 ms for a free connection to the S3 artifact backend at http:\/\/s3\.test \(artifacts\.socketWaitTimeoutMs/);
    const idle = Object.assign(new BackendIdleTimeout(200), { message: 'the request socket did not establish a connection' });
    expect(mapS3Error(idle, ref, backend).message).toContain('did not answer within 200 ms (artifacts.idleTimeoutMs');
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(mapS3Error(reset, ref, backend).message).toBe('The S3 artifact backend at http://s3.test closed the connection without answering.');
  });

  it('is a closed connection for a backend that resets it, not a timeout (was "did not answer within")', { timeout: 30_000 }, async () => {
    const { endpoint } = await resettingServer();
    const store = await open(endpoint, { connectTimeoutMs: 2000, idleTimeoutMs: 5000 });
    await expect(store.head({ bucket: 'models', key: 'a' })).rejects.toMatchObject({
      code: 'ServiceUnavailable',
      message: `The S3 artifact backend at ${endpoint} closed the connection without answering.`,
    });
  });

  // The wait for the pool was bounded by connectTimeoutMs only (the SDK's connection timeout ran from the request's
  // start), and its failure read as a backend that may be down.
  it('names the full pool and its own limit when every connection is held by a body no one reads', { timeout: 30_000 }, async () => {
    const { endpoint } = await bodyServer(8 * 1024 * 1024, 8 * 1024 * 1024);
    const store = await open(endpoint, { connectTimeoutMs: 20_000, socketWaitTimeoutMs: 300, idleTimeoutMs: 5000, maxSockets: 1 });
    const held = await store.get(ref);
    const started = Date.now();
    const failure = (await store.head(ref).catch((e: unknown) => e)) as Error & { code?: string; cause?: unknown };
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failure).toMatchObject({
      code: 'ServiceUnavailable',
      message: `Waited 300 ms for a free connection to the S3 artifact backend at ${endpoint} (artifacts.socketWaitTimeoutMs, each of up to 2 attempts): all 1 of its connections (artifacts.maxSockets) were busy; raise artifacts.maxSockets or artifacts.socketWaitTimeoutMs, or look for slow answers from the backend or object bodies read slowly.`,
    });
    expect(failure.cause).toBeInstanceOf(BackendSocketWaitTimeout);
    held.body.destroy();
    // The destroyed body's connection is closed, and the pool opens another.
    await expect(store.head(ref)).resolves.toMatchObject({ size: 8 * 1024 * 1024 });
  });
});

// Node's agent sets a socket's timeout when it opens it and when it puts it back in the free pool, never when it gives
// it to the next request: the store sets the idle limit on each request's socket itself (s3-agent.ts).
describe('the idle limit of a request on a connection the pool used before', () => {
  /** What `request` settles as, or that it was still waiting after `ms`. */
  function within(request: Promise<unknown>, ms: number): Promise<unknown> {
    const waiting = sleep(ms).then(() => `still waiting after ${ms} ms`);
    return Promise.race([request.then((v) => ({ answered: v }), (e: Error) => ({ code: (e as { code?: string }).code, message: e.message })), waiting]);
  }

  it('holds for a request that waited for the pool (had none: it waited for a hung backend forever)', { timeout: 60_000 }, async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    const backend = await httpBackend((req, res) => {
      // `a` is answered once the test lets it; `hung` never is.
      if ((req.url ?? '').startsWith('/models/a')) void released.then(() => answerObject(res, req.method, 5));
    });
    const store = await open(backend.endpoint, { connectTimeoutMs: 30_000, idleTimeoutMs: 3000, maxSockets: 1, maxAttempts: 1 });
    const first = store.head(ref('a'));
    const second = within(store.head(ref('hung')), 20_000);
    // `hung` waits for the pool's one connection, which `a` holds; then gets it straight from `a`.
    await sleep(1000);
    release();
    await expect(first).resolves.toMatchObject({ size: 5 });
    expect(await second).toEqual({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${backend.endpoint} did not answer within 3000 ms (artifacts.idleTimeoutMs); it may be hung or overloaded.` });
  });

  it("is the configured one on a reused connection, whatever the backend's Keep-Alive hint (was the hint less 1 s)", { timeout: 60_000 }, async () => {
    let requests = 0;
    const backend = await httpBackend((req, res) => {
      // The free connection is kept 2 s (3 s less Node's 1 s margin); the second answer comes after 2.5 s of silence.
      res.setHeader('connection', 'keep-alive');
      res.setHeader('keep-alive', 'timeout=3');
      if (++requests === 1) answerObject(res, req.method, 5);
      else setTimeout(() => answerObject(res, req.method, 5), 2500);
    });
    const store = await open(backend.endpoint, { idleTimeoutMs: 8000, maxAttempts: 1 });
    await store.head(ref('a'));
    expect(await within(store.head(ref('b')), 20_000)).toEqual({ answered: expect.objectContaining({ size: 5 }) });
  });
});

// The SDK tries a request again when it had no answer, also one that changes the object: a completion the backend
// carried out before going silent is refused when tried again (NoSuchUpload, or 412 for a conditional one).
describe('a write tried again after the backend carried out the first try and did not answer', () => {
  /** A backend taking uploads of `models/k`, which carries out the first PutObject or CompleteMultipartUpload and never answers it. */
  async function completesSilently(): Promise<{ endpoint: string; completions: () => number }> {
    let sha256 = '';
    let size = 0;
    let completions = 0;
    let completed = false;
    const backend = await httpBackend((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      req.resume();
      if (req.method === 'HEAD' && /^\/models\/?$/.test(url.pathname)) return void res.writeHead(200).end();
      if (req.method === 'HEAD') {
        if (!completed) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-length': String(size), etag: '"m-2"', 'x-amz-meta-sha256': sha256, 'last-modified': new Date(0).toUTCString() }).end();
      }
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        sha256 = String(req.headers['x-amz-meta-sha256']);
        return void res.writeHead(200).end('<InitiateMultipartUploadResult><Bucket>models</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
      }
      if (req.method === 'PUT' && !url.searchParams.has('partNumber')) {
        // A single PutObject: the first is written and never answered; a conditional one tried again is refused by it.
        if (completed) return void res.writeHead(412).end('<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
        completions++;
        sha256 = String(req.headers['x-amz-meta-sha256']);
        size = Number(req.headers['content-length']);
        return void req.on('end', () => (completed = true));
      }
      if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
        size += Number(req.headers['content-length']);
        return void req.on('end', () => res.writeHead(200, { etag: `"p${url.searchParams.get('partNumber')}"` }).end());
      }
      if (req.method === 'POST' && url.searchParams.has('uploadId')) {
        completions++;
        if (!completed) {
          completed = true;
          return;
        }
      }
      res.writeHead(404).end('<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>');
    });
    return { endpoint: backend.endpoint, completions: () => completions };
  }

  it('is taken as written when the object holds these bytes (was ResourceNotFound for a put that wrote)', { timeout: 60_000 }, async () => {
    const backend = await completesSilently();
    const store = await open(backend.endpoint, { idleTimeoutMs: 1000, maxAttempts: 2 });
    const body = new Uint8Array(5 * 1024 * 1024 + 1).fill(7);
    await expect(store.put(ref('k'), body, { partSizes: [5 * 1024 * 1024, 1] })).resolves.toMatchObject({ etag: '"m-2"', size: body.length });
    expect(backend.completions()).toBe(2);
  });

  it('is taken as written for a create-only put of bytes whose try again is refused by its own object (was ConflictException)', { timeout: 60_000 }, async () => {
    const backend = await completesSilently();
    const store = await open(backend.endpoint, { idleTimeoutMs: 1000, maxAttempts: 2 });
    const body = new Uint8Array(1000).fill(7);
    await expect(store.put(ref('k'), body, { ifNoneMatch: '*' })).resolves.toMatchObject({ etag: '"m-2"', size: 1000 });
    expect(backend.completions()).toBe(1);
    // Another body is refused by that object.
    await expect(store.put(ref('k'), new Uint8Array(1000).fill(8), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'ConflictException' });
  });
});

function ref(key: string): { bucket: string; key: string } {
  return { bucket: 'models', key };
}
