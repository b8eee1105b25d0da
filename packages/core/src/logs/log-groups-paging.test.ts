import { expect, it } from 'vitest';
import { systemPrincipal } from '../kernel/context.js';
import { isLoamError } from '../kernel/errors.js';
import { combineLogGroups, fixedLogGroups, type LogGroupSource, type LogGroups } from './log-groups.js';
import { LogStreamsService } from './log-streams.service.js';

// DescribeLogGroups paged (a boto3 paginator, `aws logs describe-log-groups --page-size`) while endpoints' groups
// come and go between pages. Its token was an offset, so a group created or deleted before the page boundary
// shifted the others: one was listed twice, or never. It pages by the last group's name now, in CloudWatch Logs'
// order (by name), as DescribeLogStreams pages by the last stream's place.

const ctx = { principal: systemPrincipal, requestId: 'test' };
const none = {} as LogGroupSource;

/** The jobs' three groups and a set of endpoints' that changes, as the server composes them. */
function groups(endpoints: string[]) {
  const live: LogGroups = { list: async () => endpoints.map((e) => ({ name: `/aws/sagemaker/Endpoints/${e}`, creationTime: 1 })), get: async () => undefined };
  const jobs = fixedLogGroups({ '/aws/sagemaker/TrainingJobs': none, '/aws/sagemaker/ProcessingJobs': none, '/aws/sagemaker/TransformJobs': none });
  return new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: combineLogGroups(jobs, live) });
}
const names = (p: { logGroups: { logGroupName: string }[] }) => p.logGroups.map((g) => g.logGroupName.replace('/aws/sagemaker/', ''));

it('a group deleted or created between pages moves no other across the page boundary', async () => {
  const endpoints = ['b', 'c', 'd', 'e', 'f'];
  const service = groups(endpoints);
  const page = (nextToken?: string) => service.DescribeLogGroups({ logGroupNamePrefix: '/aws/sagemaker/Endpoints/', limit: 2, ...(nextToken ? { nextToken } : {}) }, ctx);
  const first = await page();
  expect(names(first)).toEqual(['Endpoints/b', 'Endpoints/c']);
  // 'b' deleted before the boundary: the old offset skipped 'd'.
  endpoints.splice(0, 1);
  const second = await page(first.nextToken);
  expect(names(second)).toEqual(['Endpoints/d', 'Endpoints/e']);
  // 'a' created before the boundary: the old offset listed 'e' again.
  endpoints.unshift('a');
  const third = await page(second.nextToken);
  expect(names(third)).toEqual(['Endpoints/f']);
  expect(third.nextToken).toBeUndefined();
});

it("lists every group by name, as CloudWatch Logs does (the jobs' groups came first)", async () => {
  const service = groups(['a', 'z']);
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const p = await service.DescribeLogGroups({ limit: 2, ...(nextToken ? { nextToken } : {}) }, ctx);
    seen.push(...names(p));
    nextToken = p.nextToken;
  } while (nextToken);
  expect(seen).toEqual(['Endpoints/a', 'Endpoints/z', 'ProcessingJobs', 'TrainingJobs', 'TransformJobs']);
});

it('pages within a prefix, and refuses a token it did not issue in the words of the other listings', async () => {
  const service = groups(['x', 'y', 'z']);
  const first = await service.DescribeLogGroups({ logGroupNamePrefix: '/aws/sagemaker/Endpoints/', limit: 2 }, ctx);
  const second = await service.DescribeLogGroups({ logGroupNamePrefix: '/aws/sagemaker/Endpoints/', limit: 2, nextToken: first.nextToken as string }, ctx);
  expect([...names(first), ...names(second)]).toEqual(['Endpoints/x', 'Endpoints/y', 'Endpoints/z']);
  expect(second.nextToken).toBeUndefined();

  const refusal = async (nextToken: string) => {
    try {
      await service.DescribeLogGroups({ nextToken }, ctx);
      return 'resolved';
    } catch (e) {
      return isLoamError(e) ? `${e.code}: ${e.message}` : String(e);
    }
  };
  const invalid = 'ValidationException: The specified nextToken is invalid: pass back a nextToken exactly as an earlier answer gave it, or none to start from the beginning.';
  // A DescribeLogStreams token, and what is not a token.
  const streamsToken = Buffer.from(JSON.stringify({ n: 'x/y', d: 0 })).toString('base64url');
  for (const t of [streamsToken, 'not-a-token', Buffer.from('{}').toString('base64url')]) expect(await refusal(t), t).toBe(invalid);
});

it("pages on by offset from an earlier Loam's token, in the order that Loam listed", async () => {
  const service = groups(['a']);
  // The earlier order was the jobs' groups first: offset 2 was after TrainingJobs and ProcessingJobs.
  const page = await service.DescribeLogGroups({ nextToken: Buffer.from(JSON.stringify({ o: 2 })).toString('base64url') }, ctx);
  expect(names(page)).toEqual(['TransformJobs', 'Endpoints/a']);
});
