import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// GetMetricData names a refused query by its place in MetricDataQueries. The schema errors name it as AWS
// does, from 1 (`metricDataQueries.2.member.id` is the second query); Loam's own refusals of the same request
// are renamed the same way at the server's boundary (from the error's fields[].path), so one request's messages
// never point at two different queries, nor name one two ways.
let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
}, 60_000);
afterAll(async () => loam?.close());

const now = () => Math.floor(Date.now() / 1000);
const good = { Id: 'inv', MetricStat: { Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' }, Period: 60, Stat: 'Sum' } };
async function refusal(second: Record<string, unknown>): Promise<string> {
  const r = await loam.app.inject({
    method: 'POST', url: '/api/v1/metrics/data', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ MetricDataQueries: [good, second], StartTime: now() - 600, EndTime: now() }),
  });
  expect(r.statusCode, r.body).toBe(400);
  return r.body;
}

it('names the second query 2.member in the schema errors and in Loam\'s own refusals alike', async () => {
  // The shared schema check.
  expect(await refusal({ ...good, Id: 'Bad' })).toContain("at 'metricDataQueries.2.member.id'");
  // Loam's own refusals of the same query.
  const stat = await refusal({ ...good, Id: 'st', MetricStat: { ...good.MetricStat, Stat: 'tm90' } });
  expect(stat).toContain("The value 'tm90' for metricDataQueries.2.member.metricStat.stat is not valid");
  expect(stat).not.toContain('MetricDataQueries.');
  const expression = await refusal({ Id: 'e', Expression: 'SUM(METRICS())' });
  expect(expression).toContain("metricDataQueries.2.member (Id 'e') has an Expression");
  expect(expression).not.toContain('MetricDataQueries.');
  const noStat = await refusal({ Id: 'n' });
  expect(noStat).toContain("metricDataQueries.2.member (Id 'n') needs a MetricStat");
  expect(noStat).not.toContain('MetricDataQueries.');
});
