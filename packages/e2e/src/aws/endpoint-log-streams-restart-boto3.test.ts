import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { removeDataDir, startLoamProcess, stopLoamProcess, waitForExit } from '../loam-process.test-support.js';
import { awsCli, boto3, requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * An endpoint's instances after a restart of `loam up`, read with boto3 and /usr/bin/aws: SageMaker gives every
 * instance a stream of its own (`<variant>/<instance id>`). Loam counted instance ids from 1 again in each process,
 * so the instance started after a restart wrote on in the old instance's stream: its output followed the old one's
 * there, and the stream of the instance now serving could not be told from the one that had stopped.
 */
let loam: AwsLoam | undefined;
const GROUP = '/aws/sagemaker/Endpoints/restart-ep';

serverPerAttempt(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
}, async () => {
  const l = loam;
  loam = undefined;
  if (l) {
    await stopLoamProcess(l.process);
    await removeDataDir(l.dataDir);
  }
}, 90_000);

/** Each stream of the group (by name) with its messages, once `want` streams hold the model_fn line. */
const streams = `
import time
logs = client('logs')
for _ in range(600):
    names = [s['logStreamName'] for s in logs.describe_log_streams(logGroupName=ARGS['group'])['logStreams']]
    out = {n: [e['message'] for e in logs.get_log_events(logGroupName=ARGS['group'], logStreamName=n, startFromHead=True)['events']] for n in names}
    if sum(1 for m in out.values() if any(l.startswith('model_fn in process ') for l in m)) >= ARGS['want']: break
    time.sleep(0.2)
print(json.dumps(out))
`;

it('gives an instance started after a restart a stream of its own, and leaves the old stream as it was', async () => {
  const l = loam as AwsLoam;
  await boto3(l, `
import os
INFERENCE = b'import os\\ndef model_fn(model_dir):\\n    print("model_fn in process " + str(os.getpid()), flush=True)\\n    return 1\\n'
deploy_script_model('restart', INFERENCE, 'restart-models', endpoint='restart-ep')
print('{}')
`);
  const before = await boto3<Record<string, string[]>>(l, streams, { group: GROUP, want: 1 });
  expect(Object.keys(before)).toHaveLength(1);
  const [old] = Object.keys(before) as [string];
  expect(old).toMatch(/^AllTraffic\/restart-ep-alltraffic-\d+$/);
  expect(before[old]!.filter((m) => m.startsWith('model_fn in process '))).toHaveLength(1);

  l.process.child.kill('SIGTERM');
  expect(await waitForExit(l.process.child, 20_000)).toBe(0);
  const process = await startLoamProcess(l.dataDir);
  const again: AwsLoam = { ...l, url: process.url, process };
  loam = again;

  // The endpoint is started again: a new instance, whose model_fn prints in a stream of its own.
  const after = await boto3<Record<string, string[]>>(again, streams, { group: GROUP, want: 2 });
  const names = Object.keys(after);
  expect(names, JSON.stringify(after)).toHaveLength(2);
  const fresh = names.find((n) => n !== old) as string;
  expect(fresh).toMatch(/^AllTraffic\/restart-ep-alltraffic-\d+$/);
  // The old instance's stream holds what it wrote (its last lines as it stopped, perhaps), nothing of the new one's.
  expect(after[old]!.slice(0, before[old]!.length)).toEqual(before[old]);
  expect(after[old]!.filter((m) => m.startsWith('model_fn in process '))).toHaveLength(1);
  const printed = after[fresh]!.filter((m) => m.startsWith('model_fn in process '));
  expect(printed).toHaveLength(1);
  expect(printed[0]).not.toBe(before[old]!.find((m) => m.startsWith('model_fn in process ')));

  // aws logs describe-log-streams lists both; the new one is the one with the latest event.
  const listed = await awsCli(again, ['logs', 'describe-log-streams', '--log-group-name', GROUP, '--order-by', 'LastEventTime', '--descending']);
  expect(listed.code, listed.stderr).toBe(0);
  expect((JSON.parse(listed.stdout) as { logStreams: { logStreamName: string }[] }).logStreams.map((s) => s.logStreamName)).toEqual([fresh, old]);
}, 240_000);
