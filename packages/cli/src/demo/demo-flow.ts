/**
 * The Data Wrangler flow the demo builds over the breast-cancer dataset: dedupe, tame the skewed area
 * columns (clip, log), a stratified 70/15/15 split, and three CSV outputs without header for the
 * built-in XGBoost — train and validation label-first, and a batch input without the label.
 */
/** The skewed columns the flow clips and log-transforms. */
export const SKEWED = ['mean_area', 'area_error', 'worst_area'];

export function demoFlowDefinition(dataset: string, prefix: string, label = 'target') {
  const skewed = SKEWED;
  const split = (id: string, keep: string) => ({
    id, type: 'transform' as const, transform: 'split_stratified', inputs: ['log'],
    params: { label, trainFraction: 0.7, validationFraction: 0.15, seed: 7, keep },
  });
  const csv = (s3Uri: string) => ({ s3Uri, format: 'csv' as const, header: false });
  return {
    formatVersion: 1 as const,
    nodes: [
      { id: 'src', type: 'source' as const, dataset: { name: dataset } },
      { id: 'dedupe', type: 'transform' as const, transform: 'dedupe', inputs: ['src'], params: {} },
      { id: 'clip', type: 'transform' as const, transform: 'clip_std', inputs: ['dedupe'], params: { columns: skewed, k: 4 } },
      { id: 'log', type: 'transform' as const, transform: 'log_transform', inputs: ['clip'], params: { columns: skewed, offset: 1 } },
      split('train', 'train'),
      split('validation', 'validation'),
      split('test', 'test'),
      { id: 'unlabelled', type: 'transform' as const, transform: 'drop_columns', inputs: ['test'], params: { columns: [label] } },
      { id: 'train_out', type: 'destination' as const, inputs: ['train'], output: csv(`${prefix}/train/train.csv`) },
      { id: 'validation_out', type: 'destination' as const, inputs: ['validation'], output: csv(`${prefix}/validation/validation.csv`) },
      { id: 'batch_out', type: 'destination' as const, inputs: ['unlabelled'], output: csv(`${prefix}/batch/batch.csv`) },
    ],
  };
}
