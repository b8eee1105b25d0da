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
    error_code(sm.create_experiment, ExperimentName='tagged', Tags=[{'Key': 'mlflow.note.content', 'Value': 'x'}]),
    error_code(sm.delete_experiment, ExperimentName='Default'),
]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

const components = `${prelude}
start = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
arn = sm.create_trial_component(TrialComponentName='train-1', DisplayName='Training', Status={'PrimaryStatus': 'InProgress'}, StartTime=start,
    Parameters={'lr': {'NumberValue': 0.1}, 'optimizer': {'StringValue': 'adam'}}, MetadataProperties={'CommitId': 'abc'})['TrialComponentArn']
check('CreateTrialComponent')
out['arn'] = arn.split(':', 5)[5]
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

describe('boto3: SageMaker Experiments API', () => {
  it('creates, describes, updates, lists and deletes experiments with botocore\'s shapes, refusing bad ones', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, experiments, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['described']).toEqual(['churn', true, 'Churn', 'Predicting churn', true]);
    expect(o['arn']).toBe('experiment/churn');
    expect(o['updated']).toEqual(['Churn-v2', 'Changed']);
    // MLflow's Default experiment is one of them.
    expect(o['listed']).toEqual([['Default', 'Default'], ['churn', 'Churn-v2'], ['other', 'other']]);
    expect(o['paged']).toEqual([['other'], ['churn']]);
    expect(o['after']).toEqual([]);
    expect(o['deleted']).toBe(true);
    // Deleted; deleted twice; unknown; a taken name; a name outside SageMaker's pattern; a reserved tag key; Default.
    expect(o['refused']).toEqual(['ResourceNotFound', 'ResourceNotFound', 'ResourceNotFound', 'ResourceInUse', 'ValidationException', 'ValidationException', 'ValidationException']);
    expect(r.unchecked).toEqual([]);
    expect(r.violations).toEqual([]);
  }, 240_000);
  it('creates, updates (parameters set and removed, artifacts, status, times), describes, lists and deletes trial components', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, components, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['arn']).toBe('experiment-trial-component/train-1');
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
});
