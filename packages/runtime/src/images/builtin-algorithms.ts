import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { trainKMeans } from '@loam/ml/kmeans/index';
import { trainLinearLearner } from '@loam/ml/linear/index';
import { trainPca } from '@loam/ml/pca/index';
import type { BuiltinContext } from './channel-data.js';
import { deepArImage } from './deepar-image.js';
import { CheckpointSaver, loadLatestCheckpoint, savesCheckpoints } from './xgboost-checkpoints.js';

/**
 * The file every built-in image writes into `model/` (and so into model.tar.gz):
 * `{"format":"loam.builtin-model","version":1,"algorithm":…,"model":<the algorithm's versioned JSON>}`.
 * XGBoost also keeps SageMaker's `xgboost-model` name for the same JSON.
 */
export const builtinModelFile = 'loam-model.json';

function saveModel(ctx: BuiltinContext, algorithm: string, model: unknown, alsoAs?: string): void {
  const body = JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm, model });
  writeFileSync(join(ctx.modelDir, builtinModelFile), body);
  if (alsoAs) writeFileSync(join(ctx.modelDir, alsoAs), JSON.stringify(model));
}

function publish(ctx: BuiltinContext, metrics: readonly { name: string; value: number }[]): void {
  for (const m of metrics) ctx.metric(m.name, m.value);
}

// XGBoost's round lines: `[3]\ttrain-rmse:0.41\tvalidation-rmse:0.52`; each field is a sample of `<set>:<metric>`.
const roundField = /\t(train|validation)-([A-Za-z@0-9_.-]+):(\S+)/g;

/** A built-in algorithm image: reads its channels from the contract, trains, writes `model/`. */
export type BuiltinImage = (ctx: BuiltinContext) => Promise<void>;

export const builtinImages: Readonly<Record<string, BuiltinImage>> = {
  async xgboost(ctx) {
    const csvWeights = ctx.hyperparameters['csv_weights']?.trim() === '1';
    const train = ctx.read('train', 'libsvm', { csvWeights });
    const validation = ctx.has('validation') ? ctx.read('validation', 'libsvm', { numFeatures: train.x.cols, csvWeights }) : undefined;
    const perRound = new Set<string>();
    // With a CheckpointConfig, SageMaker's XGBoost resumes from the newest checkpoint and saves one every round.
    const loaded = ctx.checkpointDir ? loadLatestCheckpoint(ctx.checkpointDir, (l) => ctx.log(l)) : undefined;
    if (loaded) {
      ctx.log(`Checkpoint loaded from ${loaded.path}`);
      ctx.log(`Resuming from iteration ${loaded.iteration}`);
    }
    // Every host resumes; only the first saves (SageMaker's rank 0), so hosts do not upload the same keys.
    const saver = ctx.checkpointDir && savesCheckpoints(ctx.root, ctx.host) ? new CheckpointSaver(ctx.checkpointDir, (l) => ctx.log(l)) : undefined;
    const model = await trainGbdt(train, ctx.hyperparameters, {
      ...(validation ? { validation } : {}),
      ...(loaded ? { resumeFrom: loaded.checkpoint } : {}),
      ...(saver ? { onRound: (cp) => saver.save(cp) } : {}),
      onLog: (line) => {
        ctx.log(line);
        for (const m of line.matchAll(roundField)) {
          perRound.add(`${m[1]}:${m[2]}`);
          ctx.metric(`${m[1]}:${m[2]}`, Number(m[3]));
        }
      },
    });
    // A metric already reported each round ends with its last round (as SageMaker's log-parsed series
    // do); publishing it again would add a spurious extra step to its series.
    publish(ctx, model.finalMetrics.filter((m) => !perRound.has(m.name)));
    saveModel(ctx, 'xgboost', model.toJSON(), 'xgboost-model');
  },
  async 'linear-learner'(ctx) {
    const train = ctx.read('train', 'csv');
    const validation = ctx.has('validation') ? ctx.read('validation', 'csv') : undefined;
    const test = ctx.has('test') ? ctx.read('test', 'csv') : undefined;
    const result = trainLinearLearner(ctx.hyperparameters, { train, validation, test }, { log: (l) => ctx.log(l), host: ctx.host });
    publish(ctx, result.metrics);
    saveModel(ctx, 'linear-learner', result.model.toJSON());
  },
  async kmeans(ctx) {
    const train = ctx.read('train', 'csv', { labelSize: 0 }).x;
    const test = ctx.has('test') ? ctx.read('test', 'csv', { labelSize: 0 }).x : undefined;
    const result = trainKMeans(ctx.hyperparameters, { train, test }, { log: (l) => ctx.log(l), host: ctx.host });
    publish(ctx, result.metrics);
    saveModel(ctx, 'kmeans', result.model.toJSON());
  },
  async pca(ctx) {
    const train = ctx.read('train', 'csv', { labelSize: 0 }).x;
    const result = trainPca(ctx.hyperparameters, { train }, { log: (l) => ctx.log(l), host: ctx.host });
    publish(ctx, result.metrics);
    ctx.log(`#explained_variance_ratio: ${Array.from(result.explainedVarianceRatio).map((v) => v.toFixed(6)).join(',')}`);
    saveModel(ctx, 'pca', result.model.toJSON());
  },
  async 'forecasting-deepar'(ctx) {
    await deepArImage(ctx, (algorithm, model) => saveModel(ctx, algorithm, model));
  },
};
