import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * boto3 code written for SageMaker's Experiments API (as the SageMaker SDK's experiments `Run` calls it)
 * against Loam: Loam answered UnknownOperationException. An experiment is the MLflow experiment of the
 * same name, so MLflow sees it too. Every raw answer is checked against botocore's output shape.
 */
let loam: AwsLoam;
useAwsLoam((l) => (loam = l));

const prelude = `
import datetime
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker')
RAW = {}
sm.meta.events.register('after-call.sagemaker', lambda http_response, model, **_: RAW.__setitem__(model.name, json.loads(http_response.content or b'{}')))
found = []; unchecked = []
def check(op, label=None):
    found.extend(violations(sm.meta.service_model.operation_model(op).output_shape, RAW[op], label or op, unchecked, partition='loam'))
out = {}
`;

const experiments = `${prelude}
arn = sm.create_experiment(ExperimentName='churn', DisplayName='Churn', Description='Predicting churn', Tags=[{'Key': 'team', 'Value': 'ml'}])['ExperimentArn']
check('CreateExperiment')
sm.create_experiment(ExperimentName='other')
d = sm.describe_experiment(ExperimentName='churn')
check('DescribeExperiment')
out['described'] = [d['ExperimentName'], d['ExperimentArn'] == arn, d['DisplayName'], d['Description'], d['CreationTime'] <= d['LastModifiedTime']]
out['arn'] = arn.split(':', 5)[5]
out['tags'] = sm.list_tags(ResourceArn=arn)['Tags']
sm.add_tags(ResourceArn=arn, Tags=[{'Key': 'stage', 'Value': 'dev'}])
out['tags_added'] = sorted(t['Key'] for t in sm.list_tags(ResourceArn=arn)['Tags'])
sm.update_experiment(ExperimentName='churn', DisplayName='Churn-v2', Description='Changed')
check('UpdateExperiment')
d = sm.describe_experiment(ExperimentName='churn')
out['updated'] = [d['DisplayName'], d['Description']]
listed = sm.list_experiments(SortBy='Name', SortOrder='Ascending')['ExperimentSummaries']
check('ListExperiments')
out['listed'] = [[x['ExperimentName'], x['DisplayName']] for x in listed]
p1 = sm.list_experiments(SortBy='Name', SortOrder='Descending', MaxResults=1)
out['paged'] = [[x['ExperimentName'] for x in p1['ExperimentSummaries']], [x['ExperimentName'] for x in sm.list_experiments(SortBy='Name', SortOrder='Descending', MaxResults=1, NextToken=p1['NextToken'])['ExperimentSummaries']]]
out['after'] = [x['ExperimentName'] for x in sm.list_experiments(CreatedAfter=d['CreationTime'] + datetime.timedelta(hours=1))['ExperimentSummaries']]
out['deleted'] = sm.delete_experiment(ExperimentName='other')['ExperimentArn'].endswith(':experiment/other')
check('DeleteExperiment')
out['refused'] = [
    error_code(sm.describe_experiment, ExperimentName='other'),
    error_code(sm.delete_experiment, ExperimentName='other'),
    error_code(sm.update_experiment, ExperimentName='nope', DisplayName='x'),
    error_code(sm.create_experiment, ExperimentName='churn'),
    error_code(sm.create_experiment, ExperimentName='bad_name'),
    error_code(sm.delete_experiment, ExperimentName='Default'),
]
try:
    sm.create_experiment(ExperimentName='other')
except Exception as e:
    out['recreate'] = [e.response['Error']['Code'], 'was deleted' in e.response['Error']['Message']]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

const components = `${prelude}
start = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
arn = sm.create_trial_component(TrialComponentName='train-1', DisplayName='Training', Status={'PrimaryStatus': 'InProgress'}, StartTime=start,
    Parameters={'lr': {'NumberValue': 0.1}, 'optimizer': {'StringValue': 'adam'}}, MetadataProperties={'CommitId': 'abc'}, Tags=[{'Key': 'owner', 'Value': 'ana'}])['TrialComponentArn']
check('CreateTrialComponent')
out['arn'] = arn.split(':', 5)[5]
out['tags'] = sm.list_tags(ResourceArn=arn)['Tags']
sm.update_trial_component(TrialComponentName='train-1', Parameters={'epochs': {'NumberValue': 3}, 'lr': {'NumberValue': 0.2}, 'note': {'StringValue': '42'}},
    ParametersToRemove=['optimizer'], InputArtifacts={'data': {'Value': 's3://b/d.csv', 'MediaType': 'text/csv'}}, OutputArtifacts={'model': {'Value': 's3://b/m.tar.gz'}},
    Status={'PrimaryStatus': 'Completed', 'Message': 'done'}, EndTime=start + datetime.timedelta(minutes=5))
check('UpdateTrialComponent')
d = sm.describe_trial_component(TrialComponentName='train-1')
check('DescribeTrialComponent')
out['described'] = [d['TrialComponentName'], d['TrialComponentArn'] == arn, d['DisplayName'], d['Status'], d['Parameters'], d['InputArtifacts'], d['OutputArtifacts'],
    d['MetadataProperties'], d['StartTime'] == start, (d['EndTime'] - d['StartTime']).total_seconds(), d['Metrics']]
out['by_arn'] = sm.describe_trial_component(TrialComponentName=arn)['TrialComponentName']
sm.update_trial_component(TrialComponentName='train-1', OutputArtifactsToRemove=['model'], DisplayName='Training-2')
d = sm.describe_trial_component(TrialComponentName='train-1')
out['removed'] = [d['OutputArtifacts'], d['InputArtifacts'], d['DisplayName']]
sm.create_trial_component(TrialComponentName='eval-1')
listed = sm.list_trial_components(SortBy='Name', SortOrder='Ascending')['TrialComponentSummaries']
check('ListTrialComponents')
out['listed'] = [[x['TrialComponentName'], x['DisplayName'], x['Status']['PrimaryStatus']] for x in listed]
out['deleted'] = sm.delete_trial_component(TrialComponentName='eval-1')['TrialComponentArn'].endswith('/eval-1')
check('DeleteTrialComponent')
out['refused'] = [
    error_code(sm.describe_trial_component, TrialComponentName='eval-1'),
    error_code(sm.create_trial_component, TrialComponentName='train-1'),
    error_code(sm.create_trial_component, TrialComponentName='both', Parameters={'x': {'StringValue': 'a', 'NumberValue': 1}}),
    error_code(sm.create_trial_component, TrialComponentName='neither', Parameters={'x': {}}),
    error_code(sm.update_trial_component, TrialComponentName='train-1', Parameters={'lr': {'NumberValue': 1}}, ParametersToRemove=['lr']),
    error_code(sm.update_trial_component, TrialComponentName='nope', DisplayName='x'),
    error_code(sm.list_trial_components, ExperimentName='nope'),
    error_code(sm.describe_trial_component, TrialComponentName='arn:aws:sagemaker:us-east-1:000000000000:experiment-trial/train-1'),
]
out['after_refusals'] = [x['TrialComponentName'] for x in sm.list_trial_components()['TrialComponentSummaries']]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

// The calls the SageMaker SDK's experiments Run makes, in its order, then the clean-up a user does.
const trials = `${prelude}
sm.create_experiment(ExperimentName='walk', Description='A walk')
t = sm.create_trial(TrialName='walk-trial', ExperimentName='walk', DisplayName='Walk', MetadataProperties={'Repository': 'git://r'}, Tags=[{'Key': 'k', 'Value': 'v'}])['TrialArn']
check('CreateTrial')
sm.create_trial(TrialName='walk-other', ExperimentName='walk')
sm.create_trial_component(TrialComponentName='walk-run', DisplayName='run-1', Status={'PrimaryStatus': 'InProgress'}, StartTime=datetime.datetime.now(datetime.timezone.utc))
sm.update_trial_component(TrialComponentName='walk-run', Parameters={'lr': {'NumberValue': 0.01}, 'opt': {'StringValue': 'sgd'}},
    InputArtifacts={'train': {'Value': 's3://data/train.csv', 'MediaType': 'text/csv'}}, OutputArtifacts={'model': {'Value': 's3://out/model.tar.gz'}})
a = sm.associate_trial_component(TrialComponentName='walk-run', TrialName='walk-trial')
check('AssociateTrialComponent')
out['associated'] = [a['TrialArn'] == t, a['TrialComponentArn'].endswith('experiment-trial-component/walk-run')]
sm.associate_trial_component(TrialComponentName='walk-run', TrialName='walk-trial')
sm.associate_trial_component(TrialComponentName='walk-run', TrialName='walk-other')
sm.create_trial_component(TrialComponentName='loose')
d = sm.describe_trial(TrialName='walk-trial')
check('DescribeTrial')
out['trial'] = [d['TrialName'], d['TrialArn'] == t, d['DisplayName'], d['ExperimentName'], d['MetadataProperties'], sm.list_tags(ResourceArn=t)['Tags']]
out['trials_of_exp'] = [x['TrialName'] for x in sm.list_trials(ExperimentName='walk', SortBy='Name', SortOrder='Ascending')['TrialSummaries']]
check('ListTrials')
out['trials_of_run'] = [x['TrialName'] for x in sm.list_trials(TrialComponentName='walk-run', SortBy='Name')['TrialSummaries']]
out['runs_of_trial'] = [x['TrialComponentName'] for x in sm.list_trial_components(TrialName='walk-trial')['TrialComponentSummaries']]
out['runs_of_exp'] = [x['TrialComponentName'] for x in sm.list_trial_components(ExperimentName='walk')['TrialComponentSummaries']]
c = sm.describe_trial_component(TrialComponentName='walk-run')
out['run'] = [c['Parameters'], c['InputArtifacts'], c['OutputArtifacts'], c['Status']['PrimaryStatus']]
sm.update_trial(TrialName='walk-trial', DisplayName='Walk-2')
check('UpdateTrial')
out['renamed'] = sm.describe_trial(TrialName='walk-trial')['DisplayName']
out['in_use'] = [
    error_code(sm.delete_experiment, ExperimentName='walk'),
    error_code(sm.delete_trial, TrialName='walk-trial'),
    error_code(sm.delete_trial_component, TrialComponentName='walk-run'),
]
out['refused'] = [
    error_code(sm.create_trial, TrialName='walk-trial', ExperimentName='walk'),
    error_code(sm.create_trial, TrialName='orphan', ExperimentName='nope'),
    error_code(sm.describe_trial, TrialName='nope'),
    error_code(sm.associate_trial_component, TrialComponentName='nope', TrialName='walk-trial'),
    error_code(sm.associate_trial_component, TrialComponentName='walk-run', TrialName='nope'),
    error_code(sm.list_trials, ExperimentName='nope'),
    error_code(sm.list_trials, TrialComponentName='nope'),
    error_code(sm.list_trial_components, TrialName='nope'),
    error_code(sm.list_trial_components, TrialName='walk-trial', ExperimentName='walk'),
]
r = sm.disassociate_trial_component(TrialComponentName='walk-run', TrialName='walk-trial')
check('DisassociateTrialComponent')
sm.disassociate_trial_component(TrialComponentName='walk-run', TrialName='walk-other')
out['after_disassociate'] = [x['TrialComponentName'] for x in sm.list_trial_components(ExperimentName='walk')['TrialComponentSummaries']]
sm.delete_trial_component(TrialComponentName='walk-run')
out['deleted_trials'] = [sm.delete_trial(TrialName=n)['TrialArn'].endswith('/' + n) for n in ['walk-trial', 'walk-other']]
check('DeleteTrial')
sm.delete_experiment(ExperimentName='walk')
out['gone'] = [error_code(sm.describe_trial, TrialName='walk-trial'), error_code(sm.describe_trial_component, TrialComponentName='walk-run'), error_code(sm.describe_experiment, ExperimentName='walk'), error_code(sm.list_tags, ResourceArn=t)]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

// A training job with ExperimentConfig is its trial component '<job>-aws-training-job' in the trial it names:
// the job's MLflow run, exposed under that name (no second copy), its source the job.
const trainingJob = `${prelude}
import time
s3 = client('s3')
s3.create_bucket(Bucket='expjob')
s3.put_object(Bucket='expjob', Key='train/data.csv', Body=b'1,0.5\\n')
sm.create_experiment(ExperimentName='jobexp')
sm.create_trial(TrialName='jobexp-trial', ExperimentName='jobexp')
script = 'print("loss=0.5"); print("loss=0.25"); open("/opt/ml/model/m.txt","w").write("m")'
job = sm.create_training_job(TrainingJobName='exp-job', RoleArn='arn:aws:iam::000000000000:role/LoamTests',
    AlgorithmSpecification={'TrainingImage': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'TrainingInputMode': 'File', 'ContainerEntrypoint': ['python3', '-c', script],
        'MetricDefinitions': [{'Name': 'loss', 'Regex': 'loss=([0-9.]+)'}]},
    HyperParameters={'alpha': '0.5'},
    InputDataConfig=[{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://expjob/train/'}}}],
    OutputDataConfig={'S3OutputPath': 's3://expjob/out'}, ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5},
    StoppingCondition={'MaxRuntimeInSeconds': 120},
    ExperimentConfig={'ExperimentName': 'jobexp', 'TrialName': 'jobexp-trial', 'TrialComponentDisplayName': 'Fit'})['TrainingJobArn']
sm.get_waiter('training_job_completed_or_stopped').wait(TrainingJobName='exp-job', WaiterConfig={'Delay': 1, 'MaxAttempts': 120})
name = 'exp-job-aws-training-job'
deadline = time.time() + 30
while True:
    d = sm.describe_trial_component(TrialComponentName=name) if name in [x['TrialComponentName'] for x in sm.list_trial_components(TrialName='jobexp-trial')['TrialComponentSummaries']] else None
    if d and d['Status']['PrimaryStatus'] == 'Completed' and d['Metrics'] or time.time() > deadline: break
    time.sleep(0.5)
check('DescribeTrialComponent')
out['component'] = d and [d['DisplayName'], d['Source'] == {'SourceArn': job, 'SourceType': 'SageMakerTrainingJob'}, d['Status']['PrimaryStatus'], d['Parameters'].get('alpha'),
    [[m['MetricName'], m['Min'], m['Max'], m['Last'], m['Count'], m['SourceArn'] == job] for m in d['Metrics']]]
out['by_source'] = [x['TrialComponentName'] for x in sm.list_trial_components(SourceArn=job)['TrialComponentSummaries']]
check('ListTrialComponents')
out['in_experiment'] = [x['TrialComponentName'] for x in sm.list_trial_components(ExperimentName='jobexp')['TrialComponentSummaries']]
out['trials'] = [x['TrialName'] for x in sm.list_trials(TrialComponentName=name)['TrialSummaries']]
out['refused'] = [error_code(sm.delete_trial_component, TrialComponentName=name), error_code(sm.create_trial_component, TrialComponentName=name)]
sm.disassociate_trial_component(TrialComponentName=name, TrialName='jobexp-trial')
sm.delete_trial_component(TrialComponentName=name)
sm.delete_trial(TrialName='jobexp-trial')
sm.delete_experiment(ExperimentName='jobexp')
out['gone'] = [error_code(sm.describe_trial_component, TrialComponentName=name), error_code(sm.describe_experiment, ExperimentName='jobexp'), sm.describe_training_job(TrainingJobName='exp-job')['TrainingJobStatus']]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

// SageMaker's experiment, trial and component names are "not case-sensitive" (CreateExperiment's, CreateTrial's and
// CreateTrialComponent's docs): a name in another case is the same entity. Experiments were matched exactly.
const anyCase = `${prelude}
sm.create_experiment(ExperimentName='Boto-Case')
out['described'] = sm.describe_experiment(ExperimentName='BOTO-CASE')['ExperimentName']
sm.create_trial(TrialName='Boto-Case-Trial', ExperimentName='boto-case')
sm.create_trial_component(TrialComponentName='Boto-Case-Run')
sm.associate_trial_component(TrialComponentName='boto-case-run', TrialName='BOTO-CASE-TRIAL')
out['trial'] = [sm.describe_trial(TrialName='boto-case-trial')[k] for k in ['TrialName', 'ExperimentName']]
out['trials'] = [x['TrialName'] for x in sm.list_trials(ExperimentName='BOTO-case')['TrialSummaries']]
out['components'] = [x['TrialComponentName'] for x in sm.list_trial_components(ExperimentName='boto-CASE')['TrialComponentSummaries']]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

describe('boto3: SageMaker Experiments API', () => {
  it('creates, describes, updates, lists and deletes experiments with botocore\'s shapes, refusing bad ones', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, experiments, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['described']).toEqual(['churn', true, 'Churn', 'Predicting churn', true]);
    expect(o['arn']).toBe('experiment/churn');
    // Tags are the experiment's, as any resource's: ListTags and AddTags reach them.
    expect(o['tags']).toEqual([{ Key: 'team', Value: 'ml' }]);
    expect(o['tags_added']).toEqual(['stage', 'team']);
    expect(o['updated']).toEqual(['Churn-v2', 'Changed']);
    // MLflow's Default experiment is one of them.
    expect(o['listed']).toEqual([['Default', 'Default'], ['churn', 'Churn-v2'], ['other', 'other']]);
    expect(o['paged']).toEqual([['other'], ['churn']]);
    expect(o['after']).toEqual([]);
    expect(o['deleted']).toBe(true);
    // Deleted; deleted twice; unknown; a taken name; a name outside SageMaker's pattern; Default.
    expect(o['refused']).toEqual(['ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceInUse', 'ValidationException', 'ValidationException']);
    // A deleted experiment keeps its name until MLflow renames or purges it: the refusal says so.
    expect(o['recreate']).toEqual(['ResourceInUse', true]);
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);
  it('creates, updates (parameters set and removed, artifacts, status, times), describes, lists and deletes trial components', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, components, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['arn']).toBe('experiment-trial-component/train-1');
    expect(o['tags']).toEqual([{ Key: 'owner', Value: 'ana' }]);
    expect(o['described']).toEqual([
      'train-1', true, 'Training', { PrimaryStatus: 'Completed', Message: 'done' },
      { lr: { NumberValue: 0.2 }, epochs: { NumberValue: 3 }, note: { StringValue: '42' } },
      { data: { Value: 's3://b/d.csv', MediaType: 'text/csv' } }, { model: { Value: 's3://b/m.tar.gz' } }, { CommitId: 'abc' }, true, 300, [],
    ]);
    expect(o['by_arn']).toBe('train-1');
    expect(o['removed']).toEqual([{}, { data: { Value: 's3://b/d.csv', MediaType: 'text/csv' } }, 'Training-2']);
    expect(o['listed']).toEqual([['eval-1', 'eval-1', 'InProgress'], ['train-1', 'Training-2', 'Completed']]);
    expect(o['deleted']).toBe(true);
    // Deleted; a taken name; both values; neither; a parameter set and removed; unknown; unknown experiment; a trial's ARN.
    expect(o['refused']).toEqual(['ResourceNotFound', 'ResourceInUse', 'ValidationException', 'ValidationException', 'ValidationException', 'ResourceNotFound', 'ResourceNotFound', 'ValidationException']);
    expect(o['after_refusals']).toEqual(['train-1']);
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);
  it("walks the SDK's experiments Run: experiment, trial, component, parameters and artifacts, association, lists, then deletion in order", async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, trials, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['associated']).toEqual([true, true]);
    expect(o['trial']).toEqual(['walk-trial', true, 'Walk', 'walk', { Repository: 'git://r' }, [{ Key: 'k', Value: 'v' }]]);
    expect(o['trials_of_exp']).toEqual(['walk-other', 'walk-trial']);
    // SortOrder defaults to Descending.
    expect(o['trials_of_run']).toEqual(['walk-trial', 'walk-other']);
    expect(o['runs_of_trial']).toEqual(['walk-run']);
    expect(o['runs_of_exp']).toEqual(['walk-run']);
    expect(o['run']).toEqual([{ lr: { NumberValue: 0.01 }, opt: { StringValue: 'sgd' } }, { train: { Value: 's3://data/train.csv', MediaType: 'text/csv' } }, { model: { Value: 's3://out/model.tar.gz' } }, 'InProgress']);
    expect(o['renamed']).toBe('Walk-2');
    // An experiment with trials, a trial with components, a component in trials: each refused until emptied.
    expect(o['in_use']).toEqual(['ValidationException', 'ValidationException', 'ValidationException']);
    // A taken trial name; unknown experiment, trial, component (as each filter too); two filters at once.
    expect(o['refused']).toEqual(['ResourceInUse', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ValidationException']);
    expect(o['after_disassociate']).toEqual([]);
    expect(o['deleted_trials']).toEqual([true, true]);
    expect(o['gone']).toEqual(['ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound']);
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);
  it('finds an experiment, trial and component named in another letter case', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, anyCase, { checker: dirname(fileURLToPath(import.meta.url)) });
    expect(r.out).toEqual({ described: 'Boto-Case', trial: ['Boto-Case-Trial', 'Boto-Case'], trials: ['Boto-Case-Trial'], components: ['Boto-Case-Run'] });
  }, 240_000);
  it("shows a training job with ExperimentConfig as the trial's component '<job>-aws-training-job': its run, hyperparameters and metrics", async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, trainingJob, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['component']).toEqual(['Fit', true, 'Completed', { StringValue: '0.5' }, [['loss', 0.25, 0.5, 0.25, 2, true]]]);
    expect(o['by_source']).toEqual(['exp-job-aws-training-job']);
    expect(o['in_experiment']).toEqual(['exp-job-aws-training-job']);
    expect(o['trials']).toEqual(['jobexp-trial']);
    // In a trial, it cannot be deleted; its name is taken.
    expect(o['refused']).toEqual(['ValidationException', 'ResourceInUse']);
    expect(o['gone']).toEqual(['ResourceNotFound', 'ResourceNotFound', 'Completed']);
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);
});
