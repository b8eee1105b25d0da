import { MlInputError } from '../errors.js';
import type { GbdtFingerprint } from './fingerprint.js';
import { GbdtModel, treeToJson } from './gbdt-model.js';
import type { GbdtModelData, GbdtTree } from './model.js';

/**
 * What training needs to continue from a round as if it had never stopped: the model after that round
 * and how far the seeded random stream (`subsample`, `colsample_*`) had gone.
 */
export interface GbdtCheckpoint {
  /**
   * The model after the checkpoint's last round: every tree so far, and `bestIteration` the best round
   * so far when `early_stopping_rounds` is set (else the last round).
   */
  readonly model: GbdtModelData;
  /**
   * Draws taken from the random stream by the rounds so far. Resuming replays them, so the next rounds
   * sample the rows and columns an uninterrupted run samples; unknown (a plain model file) = none replayed.
   */
  readonly rngDraws?: number;
  /** What the checkpoint was trained on; a resume on other data or hyperparameters is refused. Absent in a plain model file. */
  readonly fingerprint?: GbdtFingerprint;
}

/** The number of boosting rounds a checkpoint holds (trees per round: one per output group). */
export function checkpointRounds(cp: GbdtCheckpoint): number {
  return Math.floor(cp.model.trees.length / Math.max(1, cp.model.numGroups));
}

/**
 * Writes checkpoints: the model's JSON ({@link GbdtModel.toJSON}, so a checkpoint loads as a model) plus
 * `"checkpoint": {"rngDraws": n, "fingerprint": {…}}`. Each tree is serialized and UTF-8 encoded once and its bytes reused,
 * so a checkpoint every round costs writing the bytes, not serializing the whole forest again.
 */
export class GbdtCheckpointWriter {
  private readonly trees = new WeakMap<GbdtTree, Uint8Array>();
  private readonly encoder = new TextEncoder();

  /** The checkpoint's UTF-8 JSON in pieces, to be written one after another (e.g. with `writev`). */
  chunks(cp: GbdtCheckpoint): Uint8Array[] {
    const head = { ...new GbdtModel({ ...cp.model, trees: [] }).toJSON(), checkpoint: { ...(cp.rngDraws !== undefined ? { rngDraws: cp.rngDraws } : {}), ...(cp.fingerprint ? { fingerprint: cp.fingerprint } : {}) } };
    const { trees: _none, ...rest } = head;
    const out: Uint8Array[] = [this.encoder.encode(`${JSON.stringify(rest).slice(0, -1)},"trees":[`)];
    cp.model.trees.forEach((t, i) => {
      let b = this.trees.get(t);
      // A tree keeps its index from round to round (trees are only appended), so its comma can be cached too.
      if (b === undefined) this.trees.set(t, (b = this.encoder.encode(`${i === 0 ? '' : ','}${JSON.stringify(treeToJson(t))}`)));
      out.push(b);
    });
    out.push(this.encoder.encode(']}'));
    return out;
  }

  /** The checkpoint's JSON text. */
  text(cp: GbdtCheckpoint): string {
    return Buffer.concat(this.chunks(cp)).toString('utf8');
  }
}

/**
 * Reads a checkpoint written by {@link GbdtCheckpointWriter} (or a plain model JSON, whose random
 * stream position is then unknown).
 * @throws MlInputError when the text is not JSON, not a Loam GBDT model, its `rngDraws` is not a
 * non-negative integer, or its fingerprint is malformed.
 */
export function parseGbdtCheckpoint(text: string): GbdtCheckpoint {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new MlInputError(`Checkpoint is not JSON: ${(e as Error).message}`, { field: 'checkpoint' });
  }
  const model = GbdtModel.fromJSON(j as never).data;
  const meta = (j as { checkpoint?: { rngDraws?: unknown; fingerprint?: unknown } }).checkpoint;
  const draws = meta?.rngDraws;
  if (draws !== undefined && (typeof draws !== 'number' || !Number.isSafeInteger(draws) || draws < 0)) {
    throw new MlInputError(`Checkpoint's rngDraws ${String(draws)} is not a non-negative integer.`, { field: 'checkpoint.rngDraws' });
  }
  const fingerprint = meta?.fingerprint === undefined ? undefined : checkFingerprint(meta.fingerprint);
  return { model, ...(draws !== undefined ? { rngDraws: draws } : {}), ...(fingerprint ? { fingerprint } : {}) };
}

function checkFingerprint(f: unknown): GbdtFingerprint {
  const fp = f as Partial<GbdtFingerprint> | null;
  const ok =
    fp !== null && typeof fp === 'object' && Number.isSafeInteger(fp.rows) && typeof fp.labels === 'string' && typeof fp.cuts === 'string' &&
    fp.params !== null && typeof fp.params === 'object' && Object.values(fp.params).every((v) => typeof v === 'string' || typeof v === 'number');
  if (!ok) throw new MlInputError(`Checkpoint's fingerprint is not {rows, labels, cuts, params}.`, { field: 'checkpoint.fingerprint' });
  return { rows: fp.rows!, labels: fp.labels!, cuts: fp.cuts!, params: fp.params! };
}
