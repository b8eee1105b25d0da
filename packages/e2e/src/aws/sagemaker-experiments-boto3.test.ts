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
});
