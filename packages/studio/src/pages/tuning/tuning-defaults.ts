import type { FormValue, FormValues } from '../../schema/validate.js';
import { trainingDefaults } from '../jobs/training-defaults.js';

const pr = 'HyperParameterTuningJobConfig.ParameterRanges';

/**
 * A tuning job a user can start as is, once the data location is filled in: the training form's defaults
 * (built-in XGBoost, one small instance) as the trial definition, binary classification scored by
 * validation AUC, four trials two at a time, over max_depth, eta and the tree method.
 */
export function tuningDefaults(now: Date, bucket: string): FormValues {
  const training = trainingDefaults(now, bucket);
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const definition: Record<string, FormValue> = {};
  for (const [k, v] of Object.entries(training)) {
    if (k === 'TrainingJobName' || k === 'HyperParameters') continue;
    definition[`TrainingJobDefinition.${k}`] = v;
  }
  return {
    HyperParameterTuningJobName: `xgboost-tune-${stamp}`,
    'HyperParameterTuningJobConfig.Strategy': 'Bayesian',
    'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName': 'validation:auc',
    'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type': 'Maximize',
    'HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs': '4',
    'HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs': '2',
    [`${pr}.IntegerParameterRanges.0.Name`]: 'max_depth',
    [`${pr}.IntegerParameterRanges.0.MinValue`]: '2',
    [`${pr}.IntegerParameterRanges.0.MaxValue`]: '6',
    [`${pr}.IntegerParameterRanges.0.ScalingType`]: 'Auto',
    [`${pr}.ContinuousParameterRanges.0.Name`]: 'eta',
    [`${pr}.ContinuousParameterRanges.0.MinValue`]: '0.05',
    [`${pr}.ContinuousParameterRanges.0.MaxValue`]: '0.5',
    [`${pr}.ContinuousParameterRanges.0.ScalingType`]: 'Logarithmic',
    ...definition,
    'TrainingJobDefinition.StaticHyperParameters': [
      { Key: 'num_round', Value: '50' },
      { Key: 'objective', Value: 'binary:logistic' },
      { Key: 'eval_metric', Value: 'auc' },
    ],
    'TrainingJobDefinition.InputDataConfig.1.ChannelName': 'validation',
    'TrainingJobDefinition.InputDataConfig.1.ContentType': 'text/csv',
    'TrainingJobDefinition.InputDataConfig.1.DataSource.S3DataSource.S3DataType': 'S3Prefix',
  };
}

/** Rows each repeated part starts with: two data channels (train, validation), one integer and one continuous range, no categorical. */
export const tuningCounts = {
  'TrainingJobDefinition.InputDataConfig': 2,
  [`${pr}.IntegerParameterRanges`]: 1,
  [`${pr}.ContinuousParameterRanges`]: 1,
  [`${pr}.CategoricalParameterRanges`]: 0,
} as const;
