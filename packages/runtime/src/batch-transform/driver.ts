import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TransformDriverConfig } from '@loam/contracts';
import { archiveProblem, extractArchive, listFiles, onlyFile } from './archives.js';
import { DataProcessingError, DataProcessor, recordFormat, splitPredictions } from './data-processing.js';
import { lineSliceBatchesFromFile, miniBatches, payloadLimitError, type BatchStrategy, type MiniBatch } from './mini-batches.js';
import { ModelClient, type InvokeResult } from './model-client.js';
import { ModelProcess } from './model-process.js';
import { builtinSettings } from '../model-server/command.js';
import { recordsFromFile } from './records.js';

/** Where the runner put things, under the job's `/opt/ml`. */
export interface TransformPaths {
  readonly inputDir: string;
  readonly outputDir: string;
  readonly modelArchiveDir: string;
  readonly codeArchiveDir: string;
  readonly modelDir: string;
}

export function transformPaths(root: string): TransformPaths {
  return {
    inputDir: join(root, 'input', 'data', 'data'), modelArchiveDir: join(root, 'input', 'data', 'model'), codeArchiveDir: join(root, 'input', 'data', 'code'),
    outputDir: join(root, 'transform', 'output'), modelDir: join(root, 'model'),
  };
}

/** The parameters in force: the request's, else the container's `/execution-parameters`, else defaults. */
export interface EffectiveParameters {
  readonly batchStrategy: BatchStrategy;
  readonly maxPayloadInMB: number;
  readonly maxConcurrentTransforms: number;
}

export interface TransformSummary extends EffectiveParameters {
  readonly files: number;
  readonly records: number;
  readonly requests: number;
}

/** A failure the job reports as its FailureReason (ClientError-like: the input or the model's answer). */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

const strategyNames: Record<string, BatchStrategy> = { MULTI_RECORD: 'MultiRecord', SINGLE_RECORD: 'SingleRecord', MultiRecord: 'MultiRecord', SingleRecord: 'SingleRecord' };

export function effectiveParameters(cfg: TransformDriverConfig, container?: { MaxConcurrentTransforms?: number; BatchStrategy?: string; MaxPayloadInMB?: number }): EffectiveParameters {
  const positive = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
  return {
    batchStrategy: cfg.batchStrategy ?? strategyNames[container?.BatchStrategy ?? ''] ?? (cfg.splitType === 'None' ? 'SingleRecord' : 'MultiRecord'),
    maxPayloadInMB: cfg.maxPayloadInMB ?? (typeof container?.MaxPayloadInMB === 'number' && container.MaxPayloadInMB >= 0 ? container.MaxPayloadInMB : 6),
    // Unset, SageMaker's default is 1 unless the container says otherwise; 0 lets it choose (one per
    // vCPU). Loam's built-in servers answer no /execution-parameters: they stand for SageMaker's
    // algorithm containers, whose own say one per vCPU.
    maxConcurrentTransforms: positive(cfg.maxConcurrentTransforms) ?? positive(container?.MaxConcurrentTransforms)
      ?? (cfg.maxConcurrentTransforms === 0 || cfg.container.image.type === 'builtin' ? Math.max(1, cfg.vcpus) : 1),
  };
}

function batchEnv(cfg: TransformDriverConfig, p: EffectiveParameters): Record<string, string> {
  return {
    SAGEMAKER_BATCH: 'true', SAGEMAKER_MAX_PAYLOAD_IN_MB: String(p.maxPayloadInMB), SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(p.maxConcurrentTransforms),
    SAGEMAKER_BATCH_STRATEGY: p.batchStrategy === 'SingleRecord' ? 'SINGLE_RECORD' : 'MULTI_RECORD',
    ...(cfg.accept ? { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: cfg.accept } : {}),
  };
}

/** A counting semaphore for requests in flight. */
class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  give(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
}

/**
 * One host's batch transform: unpack the model, start its server, then for each input file in key
 * order cut records (SplitType), pack mini-batches (BatchStrategy, MaxPayloadInMB; never across
 * files), apply InputFilter, POST them with up to MaxConcurrentTransforms in flight, and write the
 * answers in input order to `<key>.out` (AssembleWith, JoinSource, OutputFilter). A file's output
 * appears only once all of it is transformed.
 * @throws TransformError (or the parsers' errors) with a reason naming the file and line.
 */
export async function runTransform(cfg: TransformDriverConfig, paths: TransformPaths, log: (line: string) => void): Promise<TransformSummary> {
  const archive = onlyFile(paths.modelArchiveDir);
  if (cfg.container.hasModelData && !archive) throw new TransformError('The model data was not staged.');
  if (archive) await extractArchive(archive, paths.modelDir).catch((e: unknown) => { throw new TransformError(archiveProblem('The model data', e)); });
  const code = onlyFile(paths.codeArchiveDir);
  if (code) await extractArchive(code, join(paths.modelDir, 'code')).catch((e: unknown) => { throw new TransformError(archiveProblem('The source directory', e)); });
  const requested = effectiveParameters(cfg);
  const builtin = cfg.container.image.type === 'builtin';
  // A built-in model's server is Loam's code: the model's and the job's Environment reach it only as
  // settings, as on an endpoint (the job's caller may not be the model's owner).
  const given = { ...cfg.container.environment, ...cfg.environment };
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? paths.modelDir, LANG: 'C.UTF-8', ...(process.env['TMPDIR'] ? { TMPDIR: process.env['TMPDIR'] } : {}),
    ...(builtin ? builtinSettings(given) : given), ...batchEnv(cfg, requested),
  };
  // A built-in model server is one single-threaded process: like the inference toolkit's
  // SAGEMAKER_MODEL_SERVER_WORKERS, run one per vCPU the concurrency can use. Other images run
  // their own workers behind one port.
  const workersFor = (q: EffectiveParameters) => (builtin ? Math.max(1, Number(env['SAGEMAKER_MODEL_SERVER_WORKERS']) || Math.min(q.maxConcurrentTransforms, cfg.vcpus)) : 1);
  const start = () => ModelProcess.start(cfg.container, paths.modelDir, env, cfg.python);
  // Built-in servers serve no /execution-parameters, so their number is known now: they start together.
  const servers: ModelProcess[] = [];
  const started = await Promise.allSettled(Array.from({ length: builtin ? workersFor(requested) : 1 }, start));
  for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
  const clients: ModelClient[] = [];
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const probe = new ModelClient((servers[0] as ModelProcess).port, 1, (servers[0] as ModelProcess).secret);
    const fromContainer = await probe.executionParameters();
    probe.close();
    const p = effectiveParameters(cfg, fromContainer);
    const workers = workersFor(p);
    while (servers.length < workers) servers.push(await start());
    log(`Batch strategy ${p.batchStrategy}, MaxPayloadInMB ${p.maxPayloadInMB}, MaxConcurrentTransforms ${p.maxConcurrentTransforms}, ${workers} model server process(es)${fromContainer ? ' (with the container\'s /execution-parameters)' : ''}.`);
    for (const s of servers) clients.push(new ModelClient(s.port, Math.ceil(p.maxConcurrentTransforms / servers.length), s.secret));
    return { ...p, ...(await transformFiles(cfg, p, paths, clients, log)) };
  } finally {
    for (const c of clients) c.close();
    for (const s of servers) s.stop();
  }
}

/** How often a file being transformed logs how far it has got. Mutable for tests only. */
export const transformProgress = { everyMs: 30_000 };

/**
 * The input line a model's refusal names, when it names one: Loam's built-in servers refuse a payload
 * naming its row (`Row 6 has 31 values…`, `Record 2 …`, `Line 3 …`), counted in the request, so in a
 * mini-batch of consecutive lines that row is line `firstPosition + n - 1` of the file.
 */
function failedLine(b: MiniBatch, message: string): number | undefined {
  if (b.count < 2 || b.lastPosition - b.firstPosition + 1 !== b.count) return undefined;
  const m = /^the model answered 4\d\d: (?:Row|Record|Line) (\d+)\b/.exec(message);
  const n = m ? Number(m[1]) : 0;
  return n >= 1 && n <= b.count ? b.firstPosition + n - 1 : undefined;
}

async function transformFiles(cfg: TransformDriverConfig, p: EffectiveParameters, paths: TransformPaths, clients: readonly ModelClient[], log: (line: string) => void): Promise<{ files: number; records: number; requests: number }> {
  const inFormat = recordFormat(cfg.contentType);
  const outFormat = recordFormat(cfg.accept ?? cfg.contentType);
  const filtering = Boolean(cfg.inputFilter || cfg.outputFilter || cfg.joinSource === 'Input');
  const processor = filtering ? new DataProcessor({ ...(cfg.inputFilter ? { inputFilter: cfg.inputFilter } : {}), ...(cfg.outputFilter ? { outputFilter: cfg.outputFilter } : {}), ...(cfg.joinSource ? { joinSource: cfg.joinSource } : {}) }, inFormat, outFormat) : undefined;
  const files = listFiles(paths.inputDir);
  // With more instances than input objects some hosts get none (the runner refuses an empty input).
  if (files.length === 0) log('No input objects were assigned to this instance.');
  const slots = new Slots(p.maxConcurrentTransforms);
  // Answers are written in input order; at most this many mini-batches are sent and not yet written,
  // so a slow request cannot let the reader run ahead through the file, holding what it read.
  const unwritten = new Slots(4 * p.maxConcurrentTransforms);
  const maxPayloadBytes = p.maxPayloadInMB * 1024 * 1024;
  const line = cfg.assembleWith === 'Line';
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  let records = 0;
  let requests = 0;
  // Each mini-batch goes to the server with the fewest requests in flight, so a fast answer from one
  // server is not followed by a request queued behind a slow one on another.
  const idlest = () => clients.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  const invoke = (body: Buffer) => idlest().invoke(body, {
    ...(cfg.contentType ? { contentType: cfg.contentType } : {}), ...(cfg.accept ? { accept: cfg.accept } : {}),
    timeoutMs: cfg.invocationsTimeoutSeconds * 1000, maxRetries: cfg.invocationsMaxRetries, chunked: p.maxPayloadInMB === 0,
  });
  // The built-in server, like SageMaker's XGBoost, answers a mini-batch's CSV one prediction per line
  // under SAGEMAKER_BATCH, so answers are written as they come.
  const assemble = (b: MiniBatch, answer: Buffer, answerType: string | undefined, file: string): Buffer => {
    const where = `${file} ${cfg.splitType === 'Line' ? 'lines' : 'records'} ${b.firstPosition}-${b.lastPosition}`;
    if (!processor?.perRecordOutput) return line && answer.length > 0 && answer[answer.length - 1] !== 10 ? Buffer.concat([answer, Buffer.from('\n')]) : answer;
    // Without an Accept the model answers in its own default format (JSON for linear-learner, k-means,
    // PCA): its Content-Type says how to read it.
    const format = cfg.accept || !answerType ? outFormat : recordFormat(answerType);
    if (format === 'binary') throw new DataProcessingError(`${where}: the model answered Content-Type '${answerType ?? ''}', which JoinSource and OutputFilter cannot read; set TransformOutput.Accept to a CSV or JSON type.`);
    const predictions = splitPredictions(answer.toString('utf8'), format, b.count, where);
    const out = predictions.map((pred, i) => processor.outputRecord((b.inputs as string[])[i] as string, pred, `${file} record ${b.firstPosition + i}`, format));
    return Buffer.from(line ? `${out.join('\n')}\n` : out.join(''));
  };
  for (const file of files) {
    if (failure) break;
    const target = join(paths.outputDir, `${file}.out`);
    mkdirSync(dirname(target), { recursive: true });
    let handle: FileHandle | undefined;
    const opened = chain.then(async () => {
      handle = await open(`${target}.partial`, 'w');
    });
    chain = opened;
    // Files of any size are read in blocks, front to back, once: plain lines as slices of the blocks;
    // the other record kinds, single records and filtered records cut from them record by record.
    const batches = cfg.splitType === 'Line' && p.batchStrategy === 'MultiRecord' && !processor
      ? lineSliceBatchesFromFile(join(paths.inputDir, file), maxPayloadBytes, file)
      : miniBatches(recordsFromFile(join(paths.inputDir, file), cfg.splitType, file, {
        // A line over the limit fails as soon as it is seen (unless an InputFilter may shrink it).
        ...(maxPayloadBytes > 0 && !processor?.filtersInput ? { lineLimit: { bytes: maxPayloadBytes, error: (n: number, size: number) => payloadLimitError(file, 'line', n, size, maxPayloadBytes) } } : {}),
      }), {
        strategy: p.batchStrategy, maxPayloadBytes, file, unit: cfg.splitType === 'Line' ? 'line' : 'record',
        keepInputs: processor?.perRecordOutput ?? false, ...(processor ? { processor } : {}),
      });
    let fileRecords = 0;
    let fileRequests = 0;
    // A file that takes minutes (SingleRecord over a large file: a million records took 3 minutes) says
    // how far it has got, from the answers written.
    const progress = { records: 0, bytes: 0, size: statSync(join(paths.inputDir, file)).size, at: Date.now() };
    try {
      for await (const b of batches) {
        if (failure) break;
        await unwritten.take();
        await slots.take();
        fileRecords += b.count;
        fileRequests++;
        const answer = invoke(b.body).finally(() => slots.give());
        answer.catch(() => undefined);
        chain = chain.then(async () => {
          let got: InvokeResult;
          try {
            got = await answer;
          } catch (e) {
            const at = cfg.splitType === 'Line' ? failedLine(b, (e as Error).message) : undefined;
            if (at !== undefined) throw new TransformError(`${file} line ${at} (sent with lines ${b.firstPosition}-${b.lastPosition}): ${(e as Error).message}`);
            throw new TransformError(`${file} ${cfg.splitType === 'Line' ? 'lines' : 'records'} ${b.firstPosition}-${b.lastPosition}: ${(e as Error).message}`);
          }
          await (handle as FileHandle).write(assemble(b, got.body, got.contentType, file));
          progress.records += b.count;
          progress.bytes += b.body.length;
          if (Date.now() - progress.at >= transformProgress.everyMs) {
            progress.at = Date.now();
            // Without filters a mini-batch holds the input's bytes as they are, so they measure the way through the file.
            const share = processor ? '' : `, ${Math.min(100, Math.floor((100 * progress.bytes) / Math.max(1, progress.size)))}% of its ${(progress.size / 1e6).toFixed(1)} MB`;
            log(`Transforming ${file}: ${progress.records} record(s) so far${share}.`);
          }
        }).finally(() => unwritten.give());
        chain.catch((e: unknown) => (failure ??= e));
      }
    } catch (e) {
      failure ??= e;
    }
    // Closed, then renamed or removed, also after a failed request (the chain is rejected then).
    const finish = async (): Promise<void> => {
      await handle?.close();
      // SageMaker writes an output only for a file transformed whole.
      if (failure) rmSync(`${target}.partial`, { force: true });
      else {
        renameSync(`${target}.partial`, target);
        log(`Transformed ${file}: ${fileRecords} record(s) in ${fileRequests} request(s).`);
      }
    };
    chain = chain.then(finish, async (e: unknown) => {
      failure ??= e;
      await finish();
      throw e;
    });
    chain.catch((e: unknown) => (failure ??= e));
    records += fileRecords;
    requests += fileRequests;
  }
  await chain.catch((e: unknown) => (failure ??= e));
  if (failure) throw failure;
  return { files: files.length, records, requests };
}
