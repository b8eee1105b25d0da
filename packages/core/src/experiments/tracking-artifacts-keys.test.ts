import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { TrackingArtifacts } from './tracking-artifacts.js';

// Object keys may end with / (folder markers, as the S3 console writes) and hold // (as on S3); MLflow
// artifact paths name files, which may not.
describe('MLflow artifacts beside S3 folder markers and empty segments', () => {
  it('lists a folder without its own marker or empty names, and refuses such paths', async () => {
    const store = new MemoryArtifactStore();
    await store.createBucket('team');
    for (const k of ['runs/r1/', 'runs/r1/model/', 'runs/r1/model/m.pkl', 'runs/r1//odd', 'runs/r1/metrics.json']) await store.put({ bucket: 'team', key: k }, Buffer.from('x'));
    const artifacts = new TrackingArtifacts(store);
    const listed = await artifacts.list({ bucket: 'team', key: 'runs/r1' }, '');
    expect(listed.map((f) => [f.path, f.isDir])).toEqual([['metrics.json', false], ['model', true]]);
    const refused = (f: () => unknown) => {
      try {
        f();
        return 'accepted';
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(refused(() => artifacts.proxyRef('1/r1/artifacts/a//b'))).toBe('ValidationException');
    expect(refused(() => artifacts.proxyRef('1/r1/artifacts/model.pkl'))).toBe('accepted');
  });
});
