import { describeArtifactStoreConformance } from '@loam/testkit/conformance/artifact-store.conformance';
import { S3ArtifactStore } from './s3-artifact-store.js';

// Enabled by an S3-compatible endpoint on loopback; Loam's own S3 API (a later issue) will provide one.
// LOAM_TEST_S3_ACCESS_KEY_ID / LOAM_TEST_S3_SECRET_ACCESS_KEY / LOAM_TEST_S3_REGION default to test/test/us-east-1.
const endpoint = process.env['LOAM_TEST_S3_ENDPOINT'];
const SUITE_BUCKETS = /^(conformance-bucket|conf-[a-z-]+)$/;

async function openClean(): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({
    endpoint: endpoint as string,
    region: process.env['LOAM_TEST_S3_REGION'] ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env['LOAM_TEST_S3_ACCESS_KEY_ID'] ?? 'test',
      secretAccessKey: process.env['LOAM_TEST_S3_SECRET_ACCESS_KEY'] ?? 'test',
    },
    forcePathStyle: true,
  });
  // The suite expects a fresh store: empty out and drop the buckets an earlier test left.
  for (const { name } of await store.listBuckets()) {
    if (!SUITE_BUCKETS.test(name)) continue;
    for (;;) {
      const page = await store.list({ bucket: name });
      await Promise.all(page.objects.map((o) => store.delete(o)));
      if (page.nextStartAfter === undefined) break;
    }
    await store.deleteBucket(name);
  }
  return store;
}

describeArtifactStoreConformance('s3', {
  backendAssignsEtags: true,
  open: async () => {
    const store = await openClean();
    return { store, close: async () => store.close() };
  },
  ...(endpoint ? {} : { skip: "this file runs only against an external S3-compatible endpoint (LOAM_TEST_S3_ENDPOINT); the same suite runs against Loam's own S3 API in packages/e2e/src/aws" }),
});
