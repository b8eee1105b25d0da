import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointRounds, GbdtCheckpointWriter, parseGbdtCheckpoint, type GbdtCheckpoint } from '@loam/ml/gbdt/index';

// Built-in XGBoost's checkpoints, as SageMaker's XGBoost container keeps them (sagemaker-xgboost-container,
// checkpointing.py): after every round `xgboost-checkpoint.<round>` (0-based) in the checkpoint directory,
// written to a temporary `.sagemaker-ignore` file and renamed; the 5 most recent kept; on start the
// highest-numbered one that loads is resumed from (5 tries). The content is Loam's GBDT model JSON, not
// XGBoost's binary model (see docs/algorithms/xgboost.md, "Checkpoints").

/** SageMaker's file name stem; a checkpoint is `xgboost-checkpoint.<round>`. */
export const CHECKPOINT_FILENAME = 'xgboost-checkpoint';
const TEMP_FILE_SUFFIX = '.sagemaker-ignore';
const CHECKPOINT_PATTERN = /^xgboost-checkpoint\.[0-9]+$/;
/** SageMaker's `max_to_keep`. */
export const MAX_TO_KEEP = 5;
/** SageMaker's `load_checkpoint(max_try=5)`: checkpoints tried, newest first, before training from scratch. */
const MAX_TRY = 5;

/** A checkpoint found on start: its file and the round to continue from (its number + 1). */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly iteration: number;
  readonly checkpoint: GbdtCheckpoint;
}

/**
 * The newest checkpoint in `dir` that loads, or undefined (no directory, no checkpoint, or none of the
 * 5 newest loads: training starts from scratch, as SageMaker's). A file that does not load is logged.
 */
export function loadLatestCheckpoint(dir: string, log: (line: string) => void): LoadedCheckpoint | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => CHECKPOINT_PATTERN.test(f));
  files.sort((a, b) => roundOf(a) - roundOf(b));
  for (let i = 0; i < MAX_TRY && files.length > 0; i++) {
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
 * Saves a checkpoint after every round and removes the one {@link MAX_TO_KEEP} rounds older, unless it
 * was already in the directory when training started (SageMaker never deletes those).
 */
export class CheckpointSaver {
  private readonly writer = new GbdtCheckpointWriter();
  private readonly previous: ReadonlySet<string>;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.previous = new Set(readdirSync(dir));
  }

  save(checkpoint: GbdtCheckpoint): void {
    const round = checkpointRounds(checkpoint) - 1;
    const name = `${CHECKPOINT_FILENAME}.${round}`;
    const temp = join(this.dir, `.${name}${TEMP_FILE_SUFFIX}`);
    const fd = openSync(temp, 'w');
    try {
      for (const chunk of this.writer.chunks(checkpoint)) for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(this.dir, name));
    const stale = `${CHECKPOINT_FILENAME}.${round - MAX_TO_KEEP}`;
    if (round - MAX_TO_KEEP >= 0 && !this.previous.has(stale)) rmSync(join(this.dir, stale), { force: true });
  }
}
