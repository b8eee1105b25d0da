import { afterAll, beforeAll } from 'vitest';
import { S3ArtifactStore } from '@loam/adapters';
import { describeArtifactStoreConformance } from '@loam/testkit/conformance/artifact-store.conformance';
import { startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

// The S3 artifact store (over @aws-sdk/client-s3) against Loam's own S3 API, served by `loam up`:
// the same suite the local-fs store passes, so CI always runs the S3 adapter.
let loam: AwsLoam;
beforeAll(async () => {
  loam = await startAwsLoam();
}, 60_000);
afterAll(async () => loam?.stop());

describeArtifactStoreConformance('s3 (Loam S3 API)', {
  open: async () => {
    const store = await S3ArtifactStore.open({
      endpoint: loam.url,
      region: 'us-east-1',
      credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey },
      forcePathStyle: true,
    });
    // Each test expects a fresh store: empty and drop every bucket an earlier test left.
    for (const { name } of await store.listBuckets()) {
      for (;;) {
        const page = await store.list({ bucket: name });
        await Promise.all(page.objects.map((o) => store.delete(o)));
        if (page.nextStartAfter === undefined) break;
      }
      await store.deleteBucket(name);
    }
    return { store, close: async () => store.close() };
  },
  // Loam serves S3 from its configured store, here local-fs, which holds `p` beside `p/q`, folder
  // markers and `a//b` as S3 does (ADR 0020).
  backendAssignsEtags: true,
});
