import { afterEach, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from './s3-artifact-store.js';
import { closeBackends } from './s3-misbehaving-backend.test-support.js';
import { multipartBackend } from './s3-multipart-backend.test-support.js';

// The SDK tries a CreateMultipartUpload again when it had no answer; a backend that made the upload before the answer
// was lost then holds two, and the first, whose id Loam never learned, stayed in progress for good.

const stores: S3ArtifactStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await closeBackends();
});

async function open(endpoint: string): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, idleTimeoutMs: 5000 });
  stores.push(store);
  return store;
}

const MiB = 1024 * 1024;
const ref = { bucket: 'models', key: 'runs/a/model.tar.gz' };
const body = new Uint8Array(5 * MiB + 1).fill(7);

describe('a multipart put whose CreateMultipartUpload answer the backend lost after making the upload', () => {
  it('leaves no upload in progress on the backend (the first stayed, empty, for good)', { timeout: 30_000 }, async () => {
    const backend = await multipartBackend((n) => n !== 1);
    const store = await open(backend.endpoint);
    await expect(store.put(ref, body, { partSizes: [5 * MiB, 1] })).resolves.toMatchObject({ size: body.length, etag: '"m-2"' });
    expect(backend.creates()).toBe(2);
    expect([...backend.uploads.keys()]).toEqual([]);
  });

  it("leaves alone another writer's upload of the same key made meanwhile, which holds parts", { timeout: 30_000 }, async () => {
    const backend = await multipartBackend((n, upload, uploads) => {
      // Another writer (a client trying its own put again) starts an upload of the key at the same moment.
      if (n === 1) uploads.set('other', { key: upload.key, id: 'other', initiated: new Date(), parts: new Map([[1, 5 * MiB]]), sha256: '' });
      return n !== 1;
    });
    const store = await open(backend.endpoint);
    await store.put(ref, body, { partSizes: [5 * MiB, 1] });
    expect([...backend.uploads.keys()]).toEqual(['other']);
  });

  // Two empty uploads in the span where one try failed: one of them is another writer's whose first part is still on
  // its way (its put failed with NoSuchUpload when ours ended first). Which one is not known, so neither is aborted.
  it("leaves alone another writer's upload made meanwhile that holds no part yet, and so the lost one too", { timeout: 30_000 }, async () => {
    const backend = await multipartBackend((n, upload, uploads) => {
      if (n === 1) uploads.set('other', { key: upload.key, id: 'other', initiated: new Date(), parts: new Map(), sha256: '' });
      return n !== 1;
    });
    const store = await open(backend.endpoint);
    await store.put(ref, body, { partSizes: [5 * MiB, 1] });
    expect(backend.creates()).toBe(2);
    expect([...backend.uploads.keys()].sort()).toEqual(['other', 'u1']);
  });

  // A try the backend answered (refused, as throttled) made no upload: an empty one in its span is another writer's.
  it("leaves alone another writer's empty upload when the try that failed made none", { timeout: 30_000 }, async () => {
    const backend = await multipartBackend((n, upload, uploads) => {
      if (n === 1) uploads.set('other', { key: upload.key, id: 'other', initiated: new Date(), parts: new Map(), sha256: '' });
      return n === 1 ? 'slow-down' : true;
    });
    const store = await open(backend.endpoint);
    await store.put(ref, body, { partSizes: [5 * MiB, 1] });
    expect(backend.creates()).toBe(2);
    expect([...backend.uploads.keys()]).toEqual(['other']);
  });

  it('aborts the lost upload also when the put fails after it', { timeout: 30_000 }, async () => {
    const backend = await multipartBackend((n) => n !== 1, { refuseParts: true });
    const store = await open(backend.endpoint);
    await expect(store.put(ref, body, { partSizes: [5 * MiB, 1] })).rejects.toBeDefined();
    expect(backend.creates()).toBe(2);
    expect([...backend.uploads.keys()]).toEqual([]);
  });
});
