import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_CLI, awsCli, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * CloudWatch Logs' eventIds through Debian's aws CLI (v2, unchanged): `aws logs tail --follow` prints an event once
 * per eventId and timestamp, and polls again from the newest timestamp with no token, so an id must be the event's
 * own and the same however often it is read. Loam's id was a hash of the stream, time and text: a job printing the
 * same line several times in one write (same millisecond) showed it once in `aws logs tail`. Also the CLI's view of a
 * forged nextToken (one message, nothing of the token quoted) and of GetLogEvents at the end of a stream.
 */
let loam: AwsLoam;

const GROUP = '/aws/sagemaker/ProcessingJobs';
const COPIES = 12;
const JOB = 'same-line';

let job: Promise<void> | undefined;

// Every server (a retry's too) runs the one job the tests read, once, when the first test needs it.
useAwsLoam((started) => {
  loam = started;
  job = undefined;
});
const jobRan = () => (job ??= runRepeatingJob(JOB));

async function ok(args: string[]): Promise<string> {
  const r = await awsCli(loam, args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

/** A processing job that writes `COPIES` identical lines in one write (one millisecond), then `done`; waits for it to end. */
async function runRepeatingJob(name: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'loam-log-event-ids-'));
  try {
    await createAndWait(name, join(scratch, `${name}.json`));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function createAndWait(name: string, spec: string): Promise<void> {
  writeFileSync(spec, JSON.stringify({
    ProcessingJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
    AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '-c', `import sys; sys.stdout.write('same line\\n' * ${COPIES}); sys.stdout.flush(); print('done', flush=True)`] },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } },
    StoppingCondition: { MaxRuntimeInSeconds: 240 },
  }));
  await ok(['sagemaker', 'create-processing-job', '--cli-input-json', `file://${spec}`]);
  let status = '';
  for (let i = 0; i < 600 && !['Completed', 'Failed', 'Stopped'].includes(status); i++) {
    status = (await ok(['sagemaker', 'describe-processing-job', '--processing-job-name', name, '--query', 'ProcessingJobStatus', '--output', 'text'])).trim();
    if (!['Completed', 'Failed', 'Stopped'].includes(status)) await new Promise((r) => setTimeout(r, 300));
  }
  expect(status).toBe('Completed');
}

interface Event {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly eventId: string;
}

/**
 * `aws logs tail --follow` until `want` lines are printed and the CLI has polled again (it sleeps 5 s between polls,
 * then asks from the newest timestamp it printed, with no token), then ended: what it printed.
 */
async function tailFollow(want: (out: string) => boolean): Promise<string> {
  const child = spawn(AWS_CLI, ['--endpoint-url', loam.url, '--no-cli-pager', 'logs', 'tail', GROUP, '--follow', '--since', '1h', '--format', 'short'], {
    // Unbuffered: the CLI writes to a pipe here, and Python would hold its lines until it exits.
    env: { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', ...loam.awsEnv },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  try {
    for (let i = 0; i < 600 && !want(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(want(out), `aws logs tail printed:\n${out}\n${err}`).toBe(true);
    // Past the CLI's 5 s sleep: its next poll re-reads the newest millisecond's events, which it must know by id.
    await new Promise((r) => setTimeout(r, 8000));
    expect(err).toBe('');
    return out;
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

describe('CloudWatch Logs eventIds through the aws CLI', () => {
  it('aws logs tail --follow prints every one of identical lines written in the same millisecond, once; filter-log-events gives each its own id, the same in pages of one', async () => {
    await jobRan();
    const whole = (JSON.parse(await ok(['logs', 'filter-log-events', '--log-group-name', GROUP])) as { events: Event[] }).events;
    const same = whole.filter((e) => e.message === 'same line');
    expect(same).toHaveLength(COPIES);
    // What the test is about: lines alike in one millisecond (the runner stamps one write's lines together).
    expect(new Set(same.map((e) => e.timestamp)).size).toBeLessThan(COPIES);
    expect(new Set(whole.map((e) => e.eventId)).size).toBe(whole.length);
    // In CloudWatch Logs' form, 56 decimal digits (Loam's were 32 hex digits).
    for (const e of whole) expect(e.eventId).toMatch(/^[1-9]\d{55}$/);
    // The CLI's paginator, one event per call: the same events and ids.
    const paged = (JSON.parse(await ok(['logs', 'filter-log-events', '--log-group-name', GROUP, '--page-size', '1'])) as { events: Event[] }).events;
    expect(paged).toEqual(whole);

    const printed = await tailFollow((out) => out.includes(' done\n'));
    const lines = printed.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => l.endsWith(' same line'))).toHaveLength(COPIES);
    expect(lines.filter((l) => l.endsWith(' done'))).toHaveLength(1);
    expect(lines).toHaveLength(whole.length);
  }, 180_000);

  it('a forged nextToken is InvalidParameterException naming nextToken, with nothing of the token in the message', async () => {
    await jobRan();
    const page = JSON.parse(await ok(['logs', 'filter-log-events', '--log-group-name', GROUP, '--limit', '1', '--no-paginate'])) as { nextToken: string };
    const inside = JSON.parse(Buffer.from(page.nextToken, 'base64url').toString('utf8')) as { p: Record<string, unknown> };
    const forged = Buffer.from(JSON.stringify({ ...inside, p: Object.fromEntries(Object.keys(inside.p).map((k) => [k, ['inner-position', 0]])) })).toString('base64url');
    const message = 'The specified nextToken is invalid: pass back a nextToken exactly as an earlier answer gave it, or none to start from the beginning.';
    for (const [op, args] of [
      ['FilterLogEvents', ['filter-log-events', '--log-group-name', GROUP, '--no-paginate', '--next-token', forged]],
      ['GetLogEvents', ['get-log-events', '--log-group-name', GROUP, '--log-stream-name', (await streamOf(JOB)), '--next-token', 'f/inner-position']],
    ] as const) {
      const r = await awsCli(loam, ['logs', ...args]);
      expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 254, stderr: `An error occurred (InvalidParameterException) when calling the ${op} operation: ${message}` });
    }
  }, 180_000);

  it('get-log-events at the end of a stream answers no events and the nextForwardToken passed in, as CloudWatch Logs does', async () => {
    await jobRan();
    const stream = await streamOf(JOB);
    const first = JSON.parse(await ok(['logs', 'get-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--start-from-head'])) as { events: Event[]; nextForwardToken: string };
    expect(first.events.map((e) => e.message)).toContain('done');
    const again = JSON.parse(await ok(['logs', 'get-log-events', '--log-group-name', GROUP, '--log-stream-name', stream, '--start-from-head', '--next-token', first.nextForwardToken])) as { events: Event[]; nextForwardToken: string };
    expect(again.events).toEqual([]);
    expect(again.nextForwardToken).toBe(first.nextForwardToken);
  }, 180_000);
});

async function streamOf(job: string): Promise<string> {
  const out = JSON.parse(await ok(['logs', 'describe-log-streams', '--log-group-name', GROUP, '--log-stream-name-prefix', `${job}/`])) as { logStreams: { logStreamName: string }[] };
  expect(out.logStreams).toHaveLength(1);
  return (out.logStreams[0] as { logStreamName: string }).logStreamName;
}
