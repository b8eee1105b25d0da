import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createLoamClient } from '@loam/sdk';
import { printError } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { InputError } from '../flags.js';

interface InvokeFlags {
  body?: string;
  file?: string;
  contentType: string;
  accept?: string;
  targetVariant?: string;
  inferenceId?: string;
  customAttributes?: string;
  json?: boolean;
}

/**
 * `loam invoke <endpoint>`: SageMaker Runtime's InvokeEndpoint. The body comes from `--body`, `--file`
 * or stdin; the answer goes to stdout and the variant that answered to stderr (with --json: one record
 * with Body, ContentType, InvokedProductionVariant, CustomAttributes).
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
    .option('--custom-attributes <text>', 'X-Amzn-SageMaker-Custom-Attributes, passed to the model')
    .option('--json', 'print the answer (and errors) as JSON')
    .action(async (endpointName: string, o: InvokeFlags) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const s = clientSettings(global);
        if (!s.token) throw new InputError('No API token: pass --token, set LOAM_TOKEN, or run where <data-dir>/credentials is.');
        if (o.body !== undefined && o.file !== undefined) throw new InputError('Give the payload with --body or --file, not both.');
        // Reading a terminal would wait, silently, for a payload typed and ended with Ctrl-D.
        if (o.body === undefined && o.file === undefined && process.stdin.isTTY) throw new InputError('No payload: give --body <text> or --file <path>, or pipe it on stdin.');
        const body = o.body !== undefined ? Buffer.from(o.body) : readFileSync(o.file ?? 0);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const out = await client.invokeEndpoint({
          EndpointName: endpointName, Body: body, ContentType: o.contentType,
          ...(o.accept ? { Accept: o.accept } : {}), ...(o.targetVariant ? { TargetVariant: o.targetVariant } : {}),
          ...(o.customAttributes ? { CustomAttributes: o.customAttributes } : {}), ...(o.inferenceId ? { InferenceId: o.inferenceId } : {}),
        });
        const text = Buffer.from(out.Body).toString('utf8');
        if (json) {
          process.stdout.write(JSON.stringify({ Body: text, ContentType: out.ContentType, InvokedProductionVariant: out.InvokedProductionVariant, CustomAttributes: out.CustomAttributes }) + '\n');
          return;
        }
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        if (out.InvokedProductionVariant) process.stderr.write(`(answered by variant ${out.InvokedProductionVariant})\n`);
        if (out.CustomAttributes) process.stderr.write(`(custom attributes: ${out.CustomAttributes})\n`);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
