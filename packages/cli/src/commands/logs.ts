import type { Command } from 'commander';
import { createLoamClient } from '@loam/sdk';
import { printError, printRecord } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { following } from '../follow.js';

type Client = ReturnType<typeof createLoamClient>;

/**
 * Prints a job's log lines from `token` on; with `follow`, keeps polling until the job has ended and
 * every line is out. Returns the token after the last line printed. With `json`, each line is a JSON
 * Lines record `{"event":"log","Timestamp","Stream","Message"}`.
 */
export async function printJobLogs(client: Client, kind: 'training' | 'processing', name: string, options: { follow: boolean; token?: string; write?: (s: string) => void; json?: boolean }): Promise<string | undefined> {
  const write = options.write ?? ((s: string) => process.stdout.write(s));
  let token = options.token;
  for (;;) {
    const page = kind === 'training'
      ? await client.GetTrainingJobLogs({ TrainingJobName: name, Limit: 1000, ...(token ? { NextToken: token } : {}) })
      : await client.GetProcessingJobLogs({ ProcessingJobName: name, Limit: 1000, ...(token ? { NextToken: token } : {}) });
    for (const e of page.Events) {
      if (options.json) printRecord('log', { ...e });
      else write(`${e.Stream === 'platform' ? '[loam] ' : ''}${e.Message}\n`);
    }
    token = page.NextForwardToken;
    if (!options.follow || page.Complete) return token;
    if (page.Events.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
}

/** How a job ended: its status and failure reason. */
async function jobOutcome(client: Client, kind: 'training' | 'processing', name: string): Promise<{ status: string; reason?: string | undefined }> {
  if (kind === 'training') {
    const d = await client.DescribeTrainingJob({ TrainingJobName: name });
    return { status: d.TrainingJobStatus, reason: d.FailureReason };
  }
  const d = await client.DescribeProcessingJob({ ProcessingJobName: name });
  return { status: d.ProcessingJobStatus, reason: d.FailureReason };
}

/** `loam logs [-f] [--processing] <job>`: a job's stdout, stderr and platform lines. */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs <job>')
    .description("Print a training (or, with --processing, processing) job's logs; -f follows them until the job ends and exits 1 unless it Completed.")
    .option('-f, --follow', 'keep printing new lines until the job has ended')
    .option('--processing', 'the job is a processing job')
    .option('--json', 'one JSON record per line (JSON Lines): {"event":"log","Timestamp","Stream","Message"}')
    .action(async (job: string, o: { follow?: boolean; processing?: boolean; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const s = clientSettings(global);
        const kind = o.processing ? 'processing' : 'training';
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const print = () => printJobLogs(client, kind, job, { follow: Boolean(o.follow), json });
        if (!o.follow) {
          await print();
          return;
        }
        await following(`${kind} job ${job}`, `loam stop-${kind}-job --${kind}-job-name ${job}`, print);
        // Followed to the end: the exit code says how the job ended, as `loam train` does (0 only for Completed).
        const ended = await jobOutcome(client, kind, job);
        if (ended.status !== 'Completed') {
          process.stderr.write(`${kind === 'training' ? 'Training' : 'Processing'} job ${job} ended ${ended.status}${ended.reason ? `: ${ended.reason}` : ''}\n`);
          process.exitCode = 1;
        }
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
