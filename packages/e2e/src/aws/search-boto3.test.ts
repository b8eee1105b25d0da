import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCredentialsProfile } from '@loam/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3, requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * SageMaker's Search through Debian's boto3, unchanged: training jobs (the built-in XGBoost on a small CSV) and
 * model packages found by status, hyperparameters, tags, nested filters and Or sub-expressions, sorted by a
 * final metric and paged with boto3's `search` paginator; a scoped user finds only what it may describe; the jobs'
 * trial components found by their experiment and a metric, as the SageMaker SDK's ExperimentAnalytics asks. The
 * raw answers are checked against botocore's SearchResponse shape.
 */
let loam: AwsLoam;
const keys: Record<string, { id: string; secret: string }> = {};

beforeAll(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
  const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
  const call = async (method: string, path: string, body?: object) => {
    const r = await fetch(`${loam.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, any>;
  };
  // alice may search, and describe only the training jobs named alice-*; bob may describe them all but not search.
  const users: Record<string, object[]> = {
    alice: [{ Effect: 'Allow', Action: 'sagemaker:Search', Resource: '*' }, { Effect: 'Allow', Action: 'sagemaker:DescribeTrainingJob', Resource: 'arn:loam:sagemaker:*:*:training-job/alice-*' }],
    bob: [{ Effect: 'Allow', Action: 'sagemaker:Describe*', Resource: '*' }],
    // carol may describe every trial and trial component but of the training jobs only j-a.
    carol: [{ Effect: 'Allow', Action: ['sagemaker:Search', 'sagemaker:DescribeTrialComponent', 'sagemaker:DescribeTrial'], Resource: '*' }, { Effect: 'Allow', Action: 'sagemaker:DescribeTrainingJob', Resource: 'arn:loam:sagemaker:*:*:training-job/j-a' }],
  };
  for (const [name, statements] of Object.entries(users)) {
    await call('POST', '/api/v1/users', { UserName: name });
    await call('POST', '/api/v1/policies', { PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
    await call('PUT', `/api/v1/users/${name}/policies/${name}-policy`, {});
    const key = await call('POST', '/api/v1/access-keys', { UserName: name });
    keys[name] = { id: key['AccessKey']['AccessKeyId'], secret: key['AccessKey']['SecretAccessKey'] };
  }
}, 60_000);
afterAll(async () => loam?.stop());

const program = `
import time
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker'); s3 = client('s3')
RAW = []
sm.meta.events.register('after-call.sagemaker.Search', lambda http_response, **_: RAW.append(json.loads(http_response.content)))
s3.create_bucket(Bucket='search')
rows = '\\n'.join(f'{i % 2},{i / 10},{(i * 7) % 5}' for i in range(60)).encode()
for key in ('train/d.csv', 'val/d.csv', 'val2/d.csv'): s3.put_object(Bucket='search', Key=key, Body=rows)
def channel(name, prefix): return {'ChannelName': name, 'ContentType': 'text/csv', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': f's3://search/{prefix}/'}}}
def train(name, eta, depth, team, validation='val', objective='binary:logistic'):
    sm.create_training_job(TrainingJobName=name, RoleArn='arn:aws:iam::000000000000:role/LoamTests',
        AlgorithmSpecification={'TrainingImage': '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', 'TrainingInputMode': 'File'},
        HyperParameters={'num_round': '3', 'eta': eta, 'max_depth': depth, 'objective': objective, 'eval_metric': 'auc'},
        InputDataConfig=[channel('train', 'train'), channel('validation', validation)], OutputDataConfig={'S3OutputPath': 's3://search/out'},
        ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5}, StoppingCondition={'MaxRuntimeInSeconds': 120},
        Tags=[{'Key': 'team', 'Value': team}])
train('j-a', '0.1', '2', 'vision')
train('j-b', '0.3', '3', 'nlp')
train('j-c', '0.5', '4', 'vision', validation='val2')
train('j-fail', '0.2', '3', 'nlp', objective='no:such-objective')
train('alice-1', '0.4', '2', 'vision')
JOBS = ['alice-1', 'j-a', 'j-b', 'j-c', 'j-fail']
for n in JOBS:
    for _ in range(180):
        if sm.describe_training_job(TrainingJobName=n)['TrainingJobStatus'] not in ('InProgress', 'Stopping'): break
        time.sleep(1)
described = {n: sm.describe_training_job(TrainingJobName=n) for n in JOBS}
sm.create_model_package_group(ModelPackageGroupName='churn', Tags=[{'Key': 'team', 'Value': 'vision'}])
sm.create_model_package_group(ModelPackageGroupName='fraud', Tags=[{'Key': 'team', 'Value': 'nlp'}])
for status in ('Approved', 'PendingManualApproval', 'Approved'):
    sm.create_model_package(ModelPackageGroupName='churn', ModelApprovalStatus=status,
        InferenceSpecification={'Containers': [{'Image': '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', 'ModelDataUrl': described['j-a']['ModelArtifacts']['S3ModelArtifacts']}],
            'SupportedContentTypes': ['text/csv'], 'SupportedResponseMIMETypes': ['text/csv']})

def f(name, op=None, value=None):
    out = {'Name': name}
    if op: out['Operator'] = op
    if value is not None: out['Value'] = value
    return out
def names(search=sm, **kw):
    r = search.search(Resource='TrainingJob', SortBy='TrainingJobName', SortOrder='Ascending', **kw)
    return [x['TrainingJob']['TrainingJobName'] for x in r['Results']]
out = {'statuses': {n: d['TrainingJobStatus'] for n, d in described.items()}}
out['completed'] = names(SearchExpression={'Filters': [f('TrainingJobStatus', 'Equals', 'Completed')]})
out['eta>0.2'] = names(SearchExpression={'Filters': [f('HyperParameters.eta', 'GreaterThan', '0.2')]})
out['vision'] = names(SearchExpression={'Filters': [f('Tags.team', 'Equals', 'vision')]})
out['failed or depth 2'] = names(SearchExpression={'Operator': 'Or', 'Filters': [f('TrainingJobStatus', 'Equals', 'Failed')], 'SubExpressions': [{'Filters': [f('HyperParameters.max_depth', 'Equals', '2')]}]})
val2 = f('InputDataConfig.DataSource.S3DataSource.S3Uri', 'Contains', 'val2')
out['flat train+val2'] = names(SearchExpression={'Filters': [f('InputDataConfig.ChannelName', 'Equals', 'train'), val2]})
out['nested train+val2'] = names(SearchExpression={'NestedFilters': [{'NestedPropertyName': 'InputDataConfig', 'Filters': [f('InputDataConfig.ChannelName', 'Equals', 'train'), val2]}]})
out['nested validation+val2'] = names(SearchExpression={'NestedFilters': [{'NestedPropertyName': 'InputDataConfig', 'Filters': [f('InputDataConfig.ChannelName', 'Equals', 'validation'), val2]}]})

# Sorted by a final metric, best first, one per page through boto3's paginator.
pages = list(sm.get_paginator('search').paginate(Resource='TrainingJob', SortBy='Metrics.validation:auc', SortOrder='Descending', PaginationConfig={'PageSize': 1}))
out['by auc pages'] = [[x['TrainingJob']['TrainingJobName'] for x in p['Results']] for p in pages]
out['auc'] = {n: next((m['Value'] for m in d.get('FinalMetricDataList', []) if m['MetricName'] == 'validation:auc'), None) for n, d in described.items()}
first = pages[0]['Results'][0]['TrainingJob']
out['first'] = {'tags': first['Tags'], 'hp': first['HyperParameters'], 'same as describe': all(first[k] == described[first['TrainingJobName']][k] for k in ('TrainingJobArn', 'CreationTime', 'FinalMetricDataList', 'InputDataConfig', 'ModelArtifacts'))}

mp = sm.search(Resource='ModelPackage', SearchExpression={'Filters': [f('ModelPackageGroupName', 'Equals', 'churn'), f('ModelApprovalStatus', 'Equals', 'Approved')]}, SortBy='ModelPackageVersion', SortOrder='Ascending')
out['approved versions'] = [x['ModelPackage']['ModelPackageVersion'] for x in mp['Results']]
out['groups'] = [x['ModelPackageGroup']['ModelPackageGroupName'] for x in sm.search(Resource='ModelPackageGroup', SearchExpression={'Filters': [f('Tags.team', 'In', 'vision,audio')]})['Results']]

found = []; unchecked = []
for raw in RAW: found.extend(violations(sm.meta.service_model.operation_model('Search').output_shape, raw, 'Search', unchecked, partition='loam'))
out['violations'] = found; out['unchecked'] = unchecked

def refusal(**kw):
    try:
        sm.search(**kw)
        return 'resolved'
    except Exception as e:
        err = e.response['Error']
        return [err['Code'], err['Message']]
out['refusals'] = {
    'operator': refusal(Resource='TrainingJob', SearchExpression={'Filters': [f('TrainingJobStatus', 'Like', 'x')]}),
    'name': refusal(Resource='TrainingJob', SearchExpression={'Filters': [f('NoSuchProperty', 'Equals', 'x')]}),
    'text order': refusal(Resource='TrainingJob', SearchExpression={'Filters': [f('TrainingJobName', 'GreaterThan', 'a')]}),
    'resource': refusal(Resource='Pipeline'),
    'token': refusal(Resource='TrainingJob', NextToken='bm90LWEtdG9rZW4'),
}

def as_user(name):
    k = ARGS['keys'][name]
    return boto3.session.Session(aws_access_key_id=k['id'], aws_secret_access_key=k['secret'], region_name='us-east-1').client('sagemaker', endpoint_url=ARGS['url'])
alice = as_user('alice')
out['alice all'] = names(search=alice)
out['alice eta exists'] = names(search=alice, SearchExpression={'Filters': [f('HyperParameters.eta')]})
out['alice nlp'] = names(search=alice, SearchExpression={'Filters': [f('Tags.team', 'Equals', 'nlp')]})
out['alice packages'] = len(alice.search(Resource='ModelPackage')['Results'])
out['bob'] = error_code(as_user('bob').search, Resource='TrainingJob')
print(json.dumps(out))
`;

// SearchResponse.TotalHits is in SageMaker's current model, not in Debian's botocore 1.29;
// search-pages-boto3 checks its value from the raw answer.
const totalHitsBeyondBotocore129 = 'Search.TotalHits: member not in SearchResponse';

describe('boto3: sm.search and the search paginator against Loam', () => {
  it('finds training jobs and model packages by filters, sorts, pages and shows only what the caller may describe', async () => {
    const out = await boto3<Record<string, any>>(loam, program, { checker: dirname(fileURLToPath(import.meta.url)), keys });
    expect(out['statuses']).toEqual({ 'alice-1': 'Completed', 'j-a': 'Completed', 'j-b': 'Completed', 'j-c': 'Completed', 'j-fail': 'Failed' });
    expect(out['completed']).toEqual(['alice-1', 'j-a', 'j-b', 'j-c']);
    expect(out['eta>0.2']).toEqual(['alice-1', 'j-b', 'j-c']);
    expect(out['vision']).toEqual(['alice-1', 'j-a', 'j-c']);
    expect(out['failed or depth 2']).toEqual(['alice-1', 'j-a', 'j-fail']);
    // Any element may satisfy each flat filter; a nested filter needs one channel to satisfy both.
    expect(out['flat train+val2']).toEqual(['j-c']);
    expect(out['nested train+val2']).toEqual([]);
    expect(out['nested validation+val2']).toEqual(['j-c']);

    // Best validation:auc first (DescribeTrainingJob's values; equal values by name, descending); the failed job has none and comes last.
    const auc = out['auc'] as Record<string, number | null>;
    const expected = Object.keys(auc).sort((a, b) => {
      const [x, y] = [auc[a] ?? null, auc[b] ?? null];
      if (x === null || y === null) return x === y ? b.localeCompare(a) : x === null ? 1 : -1;
      return y - x || b.localeCompare(a);
    });
    expect(auc['j-fail']).toBeNull();
    expect(out['by auc pages']).toEqual(expected.map((n) => [n]));
    expect(out['first']).toEqual({ tags: [{ Key: 'team', Value: expect.any(String) }], hp: expect.objectContaining({ num_round: '3', eval_metric: 'auc' }), 'same as describe': true });

    expect(out['approved versions']).toEqual([1, 3]);
    expect(out['groups']).toEqual(['churn']);
    // Members of SageMaker's current model (botocore 1.43 has them) that Debian's botocore predates.
    const newerApi = /^Search\.Results\[\d+\]\.(ModelPackage|ModelPackageGroup)\.(CreatedBy\.IamIdentity: member not in UserContext|ModelPackageRegistrationType: member not in ModelPackage)$/;
    expect((out['violations'] as string[]).filter((v) => !newerApi.test(v) && v !== totalHitsBeyondBotocore129)).toEqual([]);
    // Tag patterns use \\p{L}, which Python's re cannot compile: Loam's tag rules check those characters on AddTags.
    expect((out['unchecked'] as string[]).filter((u) => !/\.Tags\[\d+\]\.(Key|Value): pattern /.test(u))).toEqual([]);

    const refusals = out['refusals'] as Record<string, [string, string]>;
    expect(refusals['operator']).toEqual(['ValidationException', expect.stringContaining("'searchExpression.filters.1.member.operator'")]);
    expect(refusals['name']).toEqual(['ValidationException', expect.stringMatching(/^searchExpression\.filters\.1\.member\.name: 'NoSuchProperty' is not a property/)]);
    expect(refusals['text order']).toEqual(['ValidationException', expect.stringContaining('Operator GreaterThan is not supported')]);
    expect(refusals['resource']).toEqual(['ValidationException', expect.stringContaining('Search of Pipeline is not supported by Loam')]);
    expect(refusals['token']).toEqual(['ValidationException', expect.stringContaining('NextToken')]);

    // alice sees only alice-1, whatever the filter; packages she may not describe are not found.
    expect(out['alice all']).toEqual(['alice-1']);
    expect(out['alice eta exists']).toEqual(['alice-1']);
    expect(out['alice nlp']).toEqual([]);
    expect(out['alice packages']).toBe(0);
    expect(out['bob']).toBe('AccessDeniedException');
  }, 300_000);

  it('finds a tuning job, an endpoint and a model; their records fit botocore\'s shapes', async () => {
    // Runs after the test above, on its bucket and its job j-a's model.
    const out = await boto3<Record<string, any>>(loam, `
import time
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker')
RAW = []
sm.meta.events.register('after-call.sagemaker.Search', lambda http_response, **_: RAW.append(json.loads(http_response.content)))
IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'
ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
data = sm.describe_training_job(TrainingJobName='j-a')['ModelArtifacts']['S3ModelArtifacts']
sm.create_model(ModelName='m-vision', ExecutionRoleArn=ROLE, PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': data}, Tags=[{'Key': 'team', 'Value': 'vision'}])
sm.create_model(ModelName='m-nlp', ExecutionRoleArn=ROLE, PrimaryContainer={'Image': IMAGE, 'ModelDataUrl': data}, Tags=[{'Key': 'team', 'Value': 'nlp'}])
sm.create_endpoint_config(EndpointConfigName='ec', ProductionVariants=[{'VariantName': 'AllTraffic', 'ModelName': 'm-vision', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large'}])
sm.create_endpoint(EndpointName='ep', EndpointConfigName='ec', Tags=[{'Key': 'team', 'Value': 'vision'}])
channels = [{'ChannelName': c, 'ContentType': 'text/csv', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': f's3://search/{p}/'}}} for c, p in (('train', 'train'), ('validation', 'val'))]
sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName='hp',
    HyperParameterTuningJobConfig={'Strategy': 'Random', 'HyperParameterTuningJobObjective': {'Type': 'Maximize', 'MetricName': 'validation:auc'},
        'ResourceLimits': {'MaxNumberOfTrainingJobs': 2, 'MaxParallelTrainingJobs': 2},
        'ParameterRanges': {'ContinuousParameterRanges': [{'Name': 'eta', 'MinValue': '0.1', 'MaxValue': '0.5'}]}},
    TrainingJobDefinition={'StaticHyperParameters': {'num_round': '3', 'objective': 'binary:logistic', 'eval_metric': 'auc'},
        'AlgorithmSpecification': {'TrainingImage': IMAGE, 'TrainingInputMode': 'File'}, 'RoleArn': ROLE, 'InputDataConfig': channels,
        'OutputDataConfig': {'S3OutputPath': 's3://search/hp'}, 'ResourceConfig': {'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5},
        'StoppingCondition': {'MaxRuntimeInSeconds': 120}}, Tags=[{'Key': 'team', 'Value': 'nlp'}])
sm.get_waiter('endpoint_in_service').wait(EndpointName='ep', WaiterConfig={'Delay': 1, 'MaxAttempts': 180})
for _ in range(180):
    if sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName='hp')['HyperParameterTuningJobStatus'] != 'InProgress': break
    time.sleep(1)
hp = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName='hp')
def found(resource, name, **kw):
    return [x[resource][name] if resource != 'Model' else x['Model']['Model']['ModelName'] for x in sm.search(Resource=resource, **kw)['Results']]
best = hp['BestTrainingJob']['FinalHyperParameterTuningJobObjectiveMetric']['Value']
out = {
  'hp status': hp['HyperParameterTuningJobStatus'],
  'hp by best': found('HyperParameterTuningJob', 'HyperParameterTuningJobName', SearchExpression={'Filters': [{'Name': 'BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value', 'Operator': 'GreaterThanOrEqualTo', 'Value': str(best)}]}),
  'hp above best': found('HyperParameterTuningJob', 'HyperParameterTuningJobName', SearchExpression={'Filters': [{'Name': 'BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value', 'Operator': 'GreaterThan', 'Value': str(best)}]}),
  'trials': sorted(found('TrainingJob', 'TrainingJobName', SearchExpression={'Filters': [{'Name': 'TuningJobArn', 'Operator': 'Equals', 'Value': hp['HyperParameterTuningJobArn']}]})),
  'trial names': sorted(t['TrainingJobName'] for t in sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName='hp')['TrainingJobSummaries']),
  'endpoints': found('Endpoint', 'EndpointName', SearchExpression={'Filters': [{'Name': 'EndpointStatus', 'Value': 'InService'}, {'Name': 'ProductionVariants.CurrentInstanceCount', 'Operator': 'GreaterThanOrEqualTo', 'Value': '1'}]}),
  'models': found('Model', 'ModelName', SearchExpression={'Filters': [{'Name': 'Model.Tags.team', 'Value': 'vision'}]}, SortBy='Model.ModelName'),
  'models by name': found('Model', 'ModelName', SortBy='Model.ModelName', SortOrder='Ascending'),
}
found_v = []; unchecked = []
for raw in RAW: found_v.extend(violations(sm.meta.service_model.operation_model('Search').output_shape, raw, 'Search', unchecked, partition='loam'))
out['violations'] = found_v; out['unchecked'] = unchecked
print(json.dumps(out))
`, { checker: dirname(fileURLToPath(import.meta.url)) });
    expect(out['hp status']).toBe('Completed');
    expect(out['hp by best']).toEqual(['hp']);
    expect(out['hp above best']).toEqual([]);
    expect(out['trials']).toEqual(out['trial names']);
    expect(out['trials']).toHaveLength(2);
    expect(out['endpoints']).toEqual(['ep']);
    expect(out['models']).toEqual(['m-vision']);
    expect(out['models by name']).toEqual(['m-nlp', 'm-vision']);
    // Members of SageMaker's current model (botocore 1.43 has them) that Debian's botocore predates.
    const newerApi = /^Search\.Results\[\d+\]\.HyperParameterTuningJob\.ConsumedResources: member not in HyperParameterTuningJobSearchEntity$/;
    expect((out['violations'] as string[]).filter((v) => !newerApi.test(v) && v !== totalHitsBeyondBotocore129)).toEqual([]);
    expect((out['unchecked'] as string[]).filter((u) => !/\.Tags\[\d+\]\.(Key|Value): pattern /.test(u))).toEqual([]);
  }, 300_000);

  it('finds the training jobs\' trial components by experiment and metric, and the experiment and its trial', async () => {
    // Runs after the first test, on its training jobs' components (<job>-aws-training-job).
    const out = await boto3<Record<string, any>>(loam, `
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker')
RAW = []
sm.meta.events.register('after-call.sagemaker.Search', lambda http_response, **_: RAW.append(json.loads(http_response.content)))
sm.create_experiment(ExperimentName='exp-search', Description='xgboost runs', Tags=[{'Key': 'team', 'Value': 'vision'}])
sm.create_trial(TrialName='t-search', ExperimentName='exp-search')
JOBS = ('j-a', 'j-b', 'j-c')
for j in JOBS: sm.associate_trial_component(TrialName='t-search', TrialComponentName=f'{j}-aws-training-job')
desc = {j: sm.describe_trial_component(TrialComponentName=f'{j}-aws-training-job') for j in JOBS}
metric = next(m['MetricName'] for m in desc['j-a']['Metrics'] if 'auc' in m['MetricName'])
maxes = {j: next(m['Max'] for m in d['Metrics'] if m['MetricName'] == metric) for j, d in desc.items()}
in_exp = {'Name': 'Parents.ExperimentName', 'Operator': 'Equals', 'Value': 'exp-search'}
def tc_names(results): return [x['TrialComponent']['TrialComponentName'][:-len('-aws-training-job')] for x in results]
# As ExperimentAnalytics asks: the experiment's components, best metric first, through the paginator.
pages = list(sm.get_paginator('search').paginate(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [in_exp]},
    SortBy=f'metrics.{metric}.max', SortOrder='Descending', PaginationConfig={'PageSize': 1}))
first = pages[0]['Results'][0]['TrialComponent']
same = desc[tc_names([pages[0]['Results'][0]])[0]]
lowest = min(maxes.values())
out = {
  'metric': metric, 'maxes': maxes,
  'pages': [tc_names(p['Results']) for p in pages],
  'above lowest': sorted(tc_names(sm.search(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [{'Name': f'Metrics.{metric}.Max', 'Operator': 'GreaterThan', 'Value': str(lowest)}, {'Name': 'Parents.TrialName', 'Value': 't-search'}]})['Results'])),
  'eta > 0.2': sorted(tc_names(sm.search(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [in_exp, {'Name': 'Parameters.eta', 'Operator': 'GreaterThan', 'Value': '0.2'}]})['Results'])),
  'job eta > 0.2': sorted(tc_names(sm.search(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [in_exp, {'Name': 'SourceDetail.TrainingJob.HyperParameters.eta', 'Operator': 'GreaterThan', 'Value': '0.2'}]})['Results'])),
  'first': {'parents': first['Parents'], 'job': first['SourceDetail']['TrainingJob']['TrainingJobArn'] == first['Source']['SourceArn'] == first['SourceDetail']['SourceArn'], 'same as describe': all(first[k] == same[k] for k in ('TrialComponentArn', 'Parameters', 'Metrics', 'Source', 'Status', 'CreationTime'))},
  'trial': [(x['Trial']['TrialName'], sorted(s['TrialComponentName'] for s in x['Trial']['TrialComponentSummaries'])) for x in sm.search(Resource='ExperimentTrial', SearchExpression={'Filters': [{'Name': 'ExperimentName', 'Value': 'exp-search'}]})['Results']],
  'experiment': [(x['Experiment']['ExperimentName'], x['Experiment']['Description']) for x in sm.search(Resource='Experiment', SearchExpression={'Filters': [{'Name': 'Tags.team', 'Value': 'vision'}]})['Results']],
}
k = ARGS['keys']['carol']
carol = boto3.session.Session(aws_access_key_id=k['id'], aws_secret_access_key=k['secret'], region_name='us-east-1').client('sagemaker', endpoint_url=ARGS['url'])
carol_found = carol.search(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [in_exp]}, SortBy='TrialComponentName', SortOrder='Ascending')['Results']
out['carol'] = {tc_names([x])[0]: 'TrainingJob' in x['TrialComponent'].get('SourceDetail', {}) for x in carol_found}
out['carol job eta > 0.2'] = tc_names(carol.search(Resource='ExperimentTrialComponent', SearchExpression={'Filters': [in_exp, {'Name': 'SourceDetail.TrainingJob.HyperParameters.eta', 'Operator': 'GreaterThan', 'Value': '0.2'}]})['Results'])
found_v = []; unchecked = []
for raw in RAW: found_v.extend(violations(sm.meta.service_model.operation_model('Search').output_shape, raw, 'Search', unchecked, partition='loam'))
out['violations'] = found_v; out['unchecked'] = unchecked
print(json.dumps(out))
`, { checker: dirname(fileURLToPath(import.meta.url)), keys });
    const maxes = out['maxes'] as Record<string, number>;
    // Highest Max first; equal values by name, descending.
    const expected = Object.keys(maxes).sort((a, b) => (maxes[b] as number) - (maxes[a] as number) || b.localeCompare(a));
    expect(out['pages']).toEqual(expected.map((n) => [n]));
    const lowest = Math.min(...Object.values(maxes));
    expect(out['above lowest']).toEqual(Object.keys(maxes).filter((n) => (maxes[n] as number) > lowest).sort());
    expect(out['eta > 0.2']).toEqual(['j-b', 'j-c']);
    expect(out['job eta > 0.2']).toEqual(['j-b', 'j-c']);
    // A job's record is in its component's SourceDetail only for a caller who may describe the job.
    expect(out['carol']).toEqual({ 'j-a': true, 'j-b': false, 'j-c': false });
    expect(out['carol job eta > 0.2']).toEqual([]);
    expect(out['first']).toEqual({ parents: [{ TrialName: 't-search', ExperimentName: 'exp-search' }], job: true, 'same as describe': true });
    expect(out['trial']).toEqual([['t-search', ['j-a-aws-training-job', 'j-b-aws-training-job', 'j-c-aws-training-job']]]);
    expect(out['experiment']).toEqual([['exp-search', 'xgboost runs']]);
    expect((out['violations'] as string[]).filter((v) => v !== totalHitsBeyondBotocore129)).toEqual([]);
    expect((out['unchecked'] as string[]).filter((u) => !/\.Tags\[\d+\]\.(Key|Value): pattern /.test(u))).toEqual([]);
  }, 300_000);
});
