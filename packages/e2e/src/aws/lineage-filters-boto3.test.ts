import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * QueryLineage's Filters through boto3: the time filters and Properties were refused (ValidationException)
 * though botocore sends them; and a model and an endpoint deleted stayed vertices of the graph (and ends of
 * ListAssociations), naming resources DescribeModel and DescribeEndpoint no longer know.
 */
let loam: AwsLoam;
useAwsLoam((l) => (loam = l));

const program = `
import math, time
sm = client('sagemaker'); s3 = client('s3')
out = {}
INFERENCE = b'import json\\ndef model_fn(model_dir):\\n    return 1\\ndef predict_fn(data, model):\\n    return {"ok": model}\\ndef output_fn(p, accept):\\n    return json.dumps(p), "application/json"\\n'
s3.create_bucket(Bucket='lin-filters')
s3.put_object(Bucket='lin-filters', Key='m/model.tar.gz', Body=model_tar([('code/inference.py', INFERENCE)]))
model = sm.create_model(ModelName='lf-model', ExecutionRoleArn=LOAM_ROLE, PrimaryContainer={'Image': SKLEARN_IMAGE,
    'ModelDataUrl': 's3://lin-filters/m/model.tar.gz', 'Environment': {'SAGEMAKER_PROGRAM': 'inference.py', 'SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code'}})['ModelArn']
# boto3 sends timestamps in whole seconds: the three resources are created more than a second apart.
time.sleep(1.2)
config = sm.create_endpoint_config(EndpointConfigName='lf-config', ProductionVariants=[{'VariantName': 'AllTraffic', 'ModelName': 'lf-model',
    'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large'}])['EndpointConfigArn']
time.sleep(1.2)
endpoint = sm.create_endpoint(EndpointName='lf-endpoint', EndpointConfigName='lf-config')['EndpointArn']
sm.get_waiter('endpoint_in_service').wait(EndpointName='lf-endpoint', WaiterConfig={'Delay': 1, 'MaxAttempts': 180})
t_model = sm.describe_model(ModelName='lf-model')['CreationTime'].timestamp()
t_config = sm.describe_endpoint_config(EndpointConfigName='lf-config')['CreationTime'].timestamp()
review = sm.create_artifact(ArtifactType='Report', Source={'SourceUri': 's3://lin-filters/notes/review.pdf'}, Properties={'stage': 'approved'})['ArtifactArn']
draft = sm.create_artifact(ArtifactType='Report', Source={'SourceUri': 's3://lin-filters/notes/draft.pdf'}, Properties={'stage': 'draft', 'owner': 'ml'})['ArtifactArn']
for a in (review, draft): sm.add_association(SourceArn=a, DestinationArn=model, AssociationType='AssociatedWith')
data = sm.list_artifacts(SourceUri='s3://lin-filters/m/model.tar.gz')['ArtifactSummaries'][0]['ArtifactArn']
name = {model: 'model', config: 'config', endpoint: 'endpoint', review: 'review', draft: 'draft', data: 'data'}
def q(start, direction, **filters):
    r = sm.query_lineage(StartArns=[start], Direction=direction, MaxResults=50, **({'Filters': filters} if filters else {}))
    return sorted(name.get(v['Arn'], v['Arn']) for v in r['Vertices'])
out['all'] = q(data, 'Descendants')
out['created_between'] = q(data, 'Descendants', CreatedAfter=math.ceil(t_model), CreatedBefore=math.ceil(t_config))
out['created_after'] = q(data, 'Descendants', CreatedAfter=math.ceil(t_model))
out['modified_after'] = q(data, 'Descendants', ModifiedAfter=math.ceil(t_config))
out['future'] = q(data, 'Descendants', CreatedAfter=math.ceil(time.time()) + 60)
out['props_one'] = q(model, 'Ascendants', Properties={'stage': 'approved'})
out['props_any'] = q(model, 'Ascendants', Properties={'stage': 'approved', 'owner': 'ml'})
out['props_and_type'] = q(model, 'Ascendants', Properties={'stage': 'approved', 'owner': 'ml'}, Types=['Report'], CreatedAfter=math.ceil(t_model))

sm.delete_endpoint(EndpointName='lf-endpoint')
for _ in range(300):
    if error_code(sm.describe_endpoint, EndpointName='lf-endpoint') != 'resolved': break
    time.sleep(0.2)
sm.delete_model(ModelName='lf-model')
after = sm.query_lineage(StartArns=[data], Direction='Descendants', IncludeEdges=True)
out['after_delete'] = [sorted(name.get(v['Arn'], v['Arn']) for v in after['Vertices']), after['Edges']]
out['after_delete_up'] = q(config, 'Ascendants')
out['associations'] = [
    sm.list_associations(SourceArn=config)['AssociationSummaries'],
    sm.list_associations(DestinationArn=config)['AssociationSummaries'],
    sorted({name.get(x[k], 'other') for x in sm.list_associations(MaxResults=100)['AssociationSummaries'] for k in ('SourceArn', 'DestinationArn')}),
]
print(json.dumps(out))
`;

describe('boto3: QueryLineage filters and deleted resources', () => {
  it('filters vertices by creation and modification time and by any of the properties given, and leaves out a deleted model and endpoint', async () => {
    const o = await boto3<Record<string, unknown>>(loam, program);
    expect(o['all']).toEqual(['config', 'endpoint', 'model']);
    expect(o['created_between']).toEqual(['config']);
    expect(o['created_after']).toEqual(['config', 'endpoint']);
    // The endpoint was modified when it came into service; a model and a config are never modified.
    expect(o['modified_after']).toEqual(['endpoint']);
    expect(o['future']).toEqual([]);
    expect(o['props_one']).toEqual(['review']);
    expect(o['props_any']).toEqual(['draft', 'review']);
    expect(o['props_and_type']).toEqual(['draft', 'review']);
    // The walk goes through the deleted model to its config; the deleted ones and their edges are not listed.
    expect(o['after_delete']).toEqual([['config'], []]);
    expect(o['after_delete_up']).toEqual(['data', 'draft', 'review']);
    // Every association here has the model or the endpoint at one end.
    expect(o['associations']).toEqual([[], [], []]);
  }, 300_000);
});
