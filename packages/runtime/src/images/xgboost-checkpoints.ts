import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointRounds, GbdtCheckpointWriter, parseGbdtCheckpoint, type GbdtCheckpoint } from '@loam/ml/gbdt/index';

// Built-in XGBoost's checkpoints, as SageMaker's XGBoost container keeps them (sagemaker-xgboost-container,
// checkpointing.py): after every round `xgboost-checkpoint.<round>` (0-based) in the checkpoint directory,
// written to a temporary `.sagemaker-ignore` file and renamed; the 5 most recent kept; on start the
// highest-numbered one that loads is resumed from. Saved by the first host only (SageMaker's rank 0).
// The content is Loam's GBDT model JSON, not XGBoost's binary model (see docs/algorithms/xgboost.md,
// "Checkpoints"). Unlike SageMaker's 5 tries, every checkpoint file is tried, newest first, before
// training starts from scratch: a few damaged files must not make a job silently start over.

/** SageMaker's file name stem; a checkpoint is `xgboost-checkpoint.<round>`. */
export const CHECKPOINT_FILENAME = 'xgboost-checkpoint';
const TEMP_FILE_SUFFIX = '.sagemaker-ignore';
/** The names this image writes: the round in decimal, no leading zeros (at most 9 digits). */
const CHECKPOINT_PATTERN = /^xgboost-checkpoint\.(0|[1-9][0-9]{0,8})$/;
/** Names that look like a checkpoint but are not one this image writes (e.g. `xgboost-checkpoint.0004`). */
const LOOKALIKE_PATTERN = /^xgboost-checkpoint\.[0-9]+$/;
/** SageMaker's `max_to_keep`. */
export const MAX_TO_KEEP = 5;
/** Buffers handed to one `writev` (below every platform's IOV_MAX). */
const IOV_BATCH = 1024;

/** A checkpoint found on start: its file and the round to continue from (its number + 1). */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly iteration: number;
  readonly checkpoint: GbdtCheckpoint;
}

/**
 * The newest checkpoint in `dir` that loads, or undefined (no directory, no checkpoint, or none loads:
 * training starts from scratch, as SageMaker's). Only regular files named as this image names them are
 * candidates; a file that does not load, holds other rounds than its name says, or a look-alike name
 * (a directory, `xgboost-checkpoint.0004`) is logged and passed over.
 */
export function loadLatestCheckpoint(dir: string, log: (line: string) => void): LoadedCheckpoint | undefined {
  if (!existsSync(dir)) return undefined;
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!LOOKALIKE_PATTERN.test(e.name)) continue;
    if (!e.isFile()) log(`Ignoring ${e.name}: not a regular file.`);
    else if (!CHECKPOINT_PATTERN.test(e.name)) log(`Ignoring ${e.name}: not a checkpoint name this image writes (${CHECKPOINT_FILENAME}.<round>, no leading zeros).`);
    else files.push(e.name);
  }
  files.sort((a, b) => roundOf(a) - roundOf(b));
  while (files.length > 0) {
    const file = files.pop()!;
    const path = join(dir, file);
    try {
      const checkpoint = parseGbdtCheckpoint(readFileSync(path, 'utf8'));
      // The file's number names the last round it holds; a file whose trees say otherwise is not one of ours.
      if (checkpointRounds(checkpoint) !== roundOf(file) + 1) throw new Error(`it holds ${checkpointRounds(checkpoint)} rounds`);
      return { path, iteration: roundOf(file) + 1, checkpoint };
    } catch (e) {
      log(`Wrong checkpoint model format ${file}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

function roundOf(file: string): number {
  return Number(file.slice(CHECKPOINT_FILENAME.length + 1));
}

/**
 * Whether this host saves checkpoints: the first of the job's hosts in sorted order (SageMaker's XGBoost
 * saves on rank 0 only; Loam's runner sorts the hosts the same way to pick its leader), read from
 * `input/config/resourceconfig.json`; true without one (a single-host contract).
 */
export function savesCheckpoints(root: string, host: string): boolean {
  const file = join(root, 'input', 'config', 'resourceconfig.json');
  if (!existsSync(file)) return true;
  const hosts = (JSON.parse(readFileSync(file, 'utf8')) as { hosts?: unknown }).hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) return true;
  return [...(hosts as string[])].sort()[0] === host;
}

/**
 * Saves a checkpoint after every round and removes the one {@link MAX_TO_KEEP} rounds older, unless it
 * was already in the directory when training started (SageMaker never deletes those).
 */
export class CheckpointSaver {
  private readonly writer = new GbdtCheckpointWriter();
  private readonly previous: ReadonlySet<string>;
  /** Entries named like a checkpoint that are not regular files: a save cannot replace them. */
  private readonly blocked: ReadonlySet<string>;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true });
    const entries = readdirSync(dir, { withFileTypes: true });
    this.previous = new Set(entries.map((e) => e.name));
    this.blocked = new Set(entries.filter((e) => !e.isFile()).map((e) => e.name));
  }

  /** Saves `checkpoint`; a round whose name a directory (or other non-file) already holds is skipped and logged. */
  save(checkpoint: GbdtCheckpoint): void {
    const round = checkpointRounds(checkpoint) - 1;
    const name = `${CHECKPOINT_FILENAME}.${round}`;
    if (this.blocked.has(name)) {
      this.log(`Not saving ${name}: the checkpoint directory holds something by that name that is not a file.`);
      return;
    }
    const temp = join(this.dir, `.${name}${TEMP_FILE_SUFFIX}`);
    const fd = openSync(temp, 'w');
    try {
      writeAll(fd, this.writer.chunks(checkpoint));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(this.dir, name));
    const stale = `${CHECKPOINT_FILENAME}.${round - MAX_TO_KEEP}`;
    if (round - MAX_TO_KEEP >= 0 && !this.previous.has(stale)) rmSync(join(this.dir, stale), { force: true });
  }
}

/** Writes `chunks` in order with one `writev` per {@link IOV_BATCH} buffers, resuming after a short write. */
export function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  let i = 0;
  let head: Uint8Array | undefined = chunks[0];
  while (head !== undefined) {
    const batch = [head, ...chunks.slice(i + 1, i + IOV_BATCH)];
    let written = writevSync(fd, batch);
    let k = 0;
    while (k < batch.length && written >= batch[k]!.length) written -= batch[k++]!.length;
    i += k;
    head = k < batch.length ? batch[k]!.subarray(written) : chunks[i];
  }
}
