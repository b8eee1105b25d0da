import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
const auth = () => ({ authorization: `Bearer ${loam.adminToken}` });
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const r = await loam.app.inject({ method, url, headers: auth(), ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('race-in');
  for (let i = 0; i < 4; i++) {
    await loam.platform.artifacts.put({ bucket: 'race-in', key: `f${i}.csv` }, Buffer.from('a,b\n' + Array.from({ length: 50 + 10 * i }, (_, j) => `${j},${i}`).join('\n') + '\n'));
  }
});
afterAll(async () => loam?.close());

describe('dataset imports racing for one version number', () => {
  // Every import wrote its snapshot to datasets/<name>/v<N>/data.parquet before recording version N:
  // of imports racing for N, one won and was acknowledged while the losers (ResourceInUse, "import
  // again") had overwritten its snapshot and then deleted it, so the acknowledged version's data was
  // gone (preview 404) or was another file's rows.
  it('the acknowledged version keeps its own snapshot; the refused imports leave nothing behind', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `race${round}`;
      expect((await call('POST', '/api/v1/datasets', { DatasetName: name })).status).toBe(200);
      const results = await Promise.all([0, 1, 2, 3].map((i) => call('POST', `/api/v1/datasets/${name}/versions`, { SourceUri: `s3://race-in/f${i}.csv` })));
      const acked = results.filter((r) => r.status === 200);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.body['code'], JSON.stringify(r.body)).toBe('ResourceInUse');
      expect(acked.length).toBeGreaterThanOrEqual(1);
      for (const { body: v } of acked) {
        const preview = await call('GET', `/api/v1/datasets/${name}/preview?Version=${v['Version']}&Limit=1000`);
        expect(preview.status, `round ${round}: version ${v['Version']}: ${JSON.stringify(preview.body).slice(0, 300)}`).toBe(200);
        // The rows stored are the acknowledged import's file: its row count, its value of b.
        expect(preview.body['Rows']).toHaveLength(v['RowCount']);
        const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(v['DataUri'] as string) as RegExpExecArray;
        const info = await loam.platform.artifacts.head({ bucket: m[1] as string, key: m[2] as string });
        expect(info?.size).toBe(v['DataBytes']);
        const file = (v['RowCount'] - 50) / 10;
        expect(JSON.stringify(preview.body['Rows'].map((r: unknown) => (Array.isArray(r) ? r[1] : (r as Record<string, unknown>)['b'])))).toBe(JSON.stringify(Array(v['RowCount']).fill(file)));
      }
      // Only the acknowledged snapshots remain under the dataset's prefix.
      const stored = await loam.platform.artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` });
      expect(stored.objects.map((o) => `s3://loam-datasets/${o.key}`).sort()).toEqual(acked.map((a) => a.body['DataUri']).sort());
      // Deleting the dataset deletes those snapshots.
      expect((await call('DELETE', `/api/v1/datasets/${name}`)).status).toBe(200);
      expect((await loam.platform.artifacts.list({ bucket: 'loam-datasets', prefix: `datasets/${name}/` })).objects).toEqual([]);
    }
  }, 120_000);
});
