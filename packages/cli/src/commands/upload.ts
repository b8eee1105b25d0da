import { openAsBlob, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { createLoamClient, type UploadDatasetVersionInput } from '@loam/sdk';
import { printError, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { InputError } from '../flags.js';

interface UploadFlags {
  format?: string;
  compression?: string;
  delimiter?: string;
  header?: boolean;
  quote?: string;
  escape?: string;
  encoding?: string;
  columnType: string[];
  description?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `--column-type age=BIGINT …` as ColumnTypes. */
function columnTypes(pairs: readonly string[]): Record<string, string> | undefined {
  if (!pairs.length) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.lastIndexOf('=');
    if (eq <= 0) throw new InputError(`--column-type '${p}' must look like column=TYPE.`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

function oneOf(value: string | undefined, flag: string, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) throw new InputError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
}

/**
 * `loam upload <dataset> <file>`: a local CSV/TSV, Parquet or JSON Lines file (gzip or not) as a new
 * version of a dataset, created first when it does not exist. The file is streamed from disk.
 *   loam upload churn ./churn.csv
 *   loam upload events ./events.tsv --delimiter '\t' --no-header --column-type day=DATE
 */
export function registerUploadCommand(program: Command): void {
  program.command('upload <dataset> <file>')
    .description('Upload a local CSV/TSV, Parquet or JSON Lines file (gzip or not) as a new version of a dataset (created if it does not exist).')
    .option('--format <format>', 'csv | parquet | jsonl (default: detected)')
    .option('--compression <compression>', 'gzip | none (default: detected)')
    .option('--delimiter <char>', "CSV delimiter, one character ('\\t' for TSV; default: detected)")
    .option('--header', 'CSV: the first row names the columns (default: detected)')
    .option('--no-header', 'CSV: the first row is data')
    .option('--quote <char>', "CSV quote character ('' for none)")
    .option('--escape <char>', "CSV escape character ('' for none)")
    .option('--encoding <encoding>', 'utf-8 | utf-16 | latin-1')
    .option('--column-type <column=TYPE>', 'a type override: BOOLEAN, BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP (repeatable)', collect, [])
    .option('--description <text>', 'the description of a dataset this creates')
    .option('--json', 'print the new version as JSON')
    .action(async (dataset: string, file: string, o: UploadFlags) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        let size: number;
        try {
          const st = statSync(file);
          if (!st.isFile()) throw new InputError(`${file} is not a file.`);
          size = st.size;
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new InputError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
        }
        const types = columnTypes(o.columnType);
        // Checked here too (the server checks them as well), before the file is sent.
        oneOf(o.format, '--format', ['csv', 'parquet', 'jsonl']);
        oneOf(o.compression, '--compression', ['gzip', 'none']);
        oneOf(o.encoding, '--encoding', ['utf-8', 'utf-16', 'latin-1']);
        const delimiter = o.delimiter === '\\t' ? '\t' : o.delimiter;
        if (delimiter !== undefined && [...delimiter].length !== 1) throw new InputError(`--delimiter must be one character ('\\t' for a tab), got '${delimiter}'`);
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        const exists = await client.DescribeDataset({ DatasetName: dataset }).then(() => true, (e: { code?: string }) => {
          if (e.code === 'ResourceNotFound') return false;
          throw e;
        });
        // The server creates a missing dataset together with the version, so a file that cannot be imported
        // leaves nothing to clean up. (Creating it here and deleting it on failure deleted the version
        // another upload to the same new name had added meanwhile.)
        process.stderr.write(`uploading ${file} (${size} bytes) and importing it…\n`);
        const input: UploadDatasetVersionInput = {
          DatasetName: dataset, CreateDataset: true, ...(o.description ? { Description: o.description } : {}),
          Body: await openAsBlob(file), FileName: basename(file),
          ...(o.format ? { Format: o.format as never } : {}), ...(o.compression ? { Compression: o.compression as never } : {}),
          ...(delimiter !== undefined ? { Delimiter: delimiter } : {}), ...(o.header !== undefined ? { Header: o.header } : {}),
          ...(o.quote !== undefined ? { Quote: o.quote } : {}), ...(o.escape !== undefined ? { Escape: o.escape } : {}),
          ...(o.encoding ? { Encoding: o.encoding as never } : {}), ...(types ? { ColumnTypes: types } : {}),
        };
        const version = await client.uploadDatasetVersion(input);
        if (!exists && version.Version === 1) process.stderr.write(`created dataset ${dataset}\n`);
        printResult(version, json);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
