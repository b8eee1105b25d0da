import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * The members the SageMaker Python SDK's framework estimators send by default (DebugHookConfig,
 * ProfilerConfig, rule configurations, TensorBoardOutputConfig), WarmPoolStatusEquals, and documented
 * members Loam does not implement, as Debian's boto3 (unchanged) meets them against `loam up`.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const rulesImage = '503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest';
const job = {
  TrainingJobName: 'sdk-defaults', RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
  HyperParameters: { num_round: '2' },
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://dbg-data/train/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://dbg-data/output' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
  DebugHookConfig: { S3OutputPath: 's3://dbg-data/output', CollectionConfigurations: [] },
  DebugRuleConfigurations: [{ RuleConfigurationName: 'LossNotDecreasing', RuleEvaluatorImage: rulesImage, RuleParameters: { rule_to_invoke: 'LossNotDecreasing' } }],
  ProfilerConfig: { DisableProfiler: true },
  ProfilerRuleConfigurations: [{ RuleConfigurationName: 'ProfilerReport', RuleEvaluatorImage: rulesImage, RuleParameters: { rule_to_invoke: 'ProfilerReport' } }],
  TensorBoardOutputConfig: { S3OutputPath: 's3://dbg-data/tb' },
};

describe('boto3: SageMaker SDK defaults for CreateTrainingJob, and members Loam does not implement', () => {
  it('accepts the debugger, profiler and TensorBoard members and describes them; WarmPoolStatusEquals lists no job', async () => {
    const out = await boto3<Record<string, any>>(loam, `
s3 = client('s3')
s3.create_bucket(Bucket='dbg-data')
s3.put_object(Bucket='dbg-data', Key='train/train.csv', Body=b'1,0.5\\n0,0.25\\n')
sm = client('sagemaker')
sm.create_training_job(**ARGS['job'])
d = sm.describe_training_job(TrainingJobName='sdk-defaults')
print(json.dumps({
  'hook': d.get('DebugHookConfig'), 'tb': d.get('TensorBoardOutputConfig'), 'profiler': d.get('ProfilerConfig'), 'profiling': d.get('ProfilingStatus'),
  'rules': [(s['RuleConfigurationName'], s['RuleEvaluationStatus']) for s in d.get('DebugRuleEvaluationStatuses', []) + d.get('ProfilerRuleEvaluationStatuses', [])],
  'warm': len(sm.list_training_jobs(WarmPoolStatusEquals='Available')['TrainingJobSummaries']),
  'all': len(sm.list_training_jobs()['TrainingJobSummaries']),
}))
# The job runs in a detached runner: let it end before the data dir is removed.
sm.get_waiter('training_job_completed_or_stopped').wait(TrainingJobName='sdk-defaults', WaiterConfig={'Delay': 1, 'MaxAttempts': 50})
`, { job });
    expect(out).toEqual({
      hook: { LocalPath: '/opt/ml/output/tensors', S3OutputPath: 's3://dbg-data/output', CollectionConfigurations: [] },
      tb: { LocalPath: '/opt/ml/output/tensorboard', S3OutputPath: 's3://dbg-data/tb' },
      profiler: { DisableProfiler: true }, profiling: 'Disabled',
      rules: [['LossNotDecreasing', 'Error'], ['ProfilerReport', 'Error']],
      warm: 0, all: 1,
    });
  }, 60_000);

  it('AsyncInferenceConfig and SourceAlgorithmSpecification: ValidationException naming the member and saying Loam does not support it', async () => {
    const out = await boto3<Record<string, string>>(loam, `
sm = client('sagemaker')
def message(fn, **kw):
    try:
        fn(**kw)
        return 'resolved'
    except Exception as e:
        err = e.response['Error']
        return err['Code'] + ': ' + err['Message']
print(json.dumps({
  'async': message(sm.create_endpoint_config, EndpointConfigName='async', ProductionVariants=[{'VariantName': 'v', 'ModelName': 'm', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large'}], AsyncInferenceConfig={'OutputConfig': {'S3OutputPath': 's3://dbg-data/async'}}),
  'algorithm': message(sm.create_model_package, ModelPackageGroupName='g', SourceAlgorithmSpecification={'SourceAlgorithms': [{'AlgorithmName': 'my-algorithm'}]}),
}))
`);
    expect(out['async']).toBe('ValidationException: AsyncInferenceConfig is not supported by Loam: asynchronous inference endpoints are not implemented.');
    expect(out['algorithm']).toMatch(/^ValidationException: SourceAlgorithmSpecification is not supported by Loam: /);
  }, 60_000);
});
