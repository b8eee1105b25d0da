import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { printError } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';

interface InvokeFlags {
  body?: string;
  file?: string;
  contentType: string;
  accept?: string;
  targetVariant?: string;
  inferenceId?: string;
  json?: boolean;
}

/**
 * `loam invoke <endpoint>`: SageMaker Runtime's InvokeEndpoint. The body comes from `--body`, `--file`
 * or stdin; the answer goes to stdout and the variant that answered to stderr.
 *   loam invoke churn --body "0.1,0.5,3,1"
 *   loam invoke churn --file rows.jsonl --content-type application/jsonlines --accept application/json
 */
export function registerInvokeCommand(program: Command): void {
  program.command('invoke <endpointName>')
    .description("Send a payload to an endpoint's model and print its answer.")
    .option('--body <text>', 'the payload')
    .option('--file <path>', 'read the payload from a file (default: stdin when --body is absent)')
    .option('--content-type <type>', 'Content-Type', 'text/csv')
    .option('--accept <type>', 'Accept')
    .option('--target-variant <name>', 'send to this production variant')
    .option('--inference-id <id>', 'recorded with data capture')
    .option('--json', 'print errors as JSON')
    .action(async (endpointName: string, o: InvokeFlags) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const s = clientSettings(global);
        if (!s.token) throw new Error('No API token: pass --token, set LOAM_TOKEN, or run where <data-dir>/credentials is.');
        const body = o.body !== undefined ? Buffer.from(o.body) : readFileSync(o.file ?? 0);
        const headers: Record<string, string> = { authorization: `Bearer ${s.token}`, 'content-type': o.contentType };
        if (o.accept) headers['accept'] = o.accept;
        if (o.targetVariant) headers['x-amzn-sagemaker-target-variant'] = o.targetVariant;
        if (o.inferenceId) headers['x-amzn-sagemaker-inference-id'] = o.inferenceId;
        const res = await fetch(`${s.endpoint.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(endpointName)}/invocations`, { method: 'POST', headers, body });
        const text = await res.text();
        if (!res.ok) {
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // not JSON
          }
          throw Object.assign(new Error(message), { code: res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`, status: res.status });
        }
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        const variant = res.headers.get('x-amzn-invoked-production-variant');
        if (variant) process.stderr.write(`(answered by variant ${variant})\n`);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
