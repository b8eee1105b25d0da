import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * The SageMaker Python SDK's lineage module calls CreateArtifact, DescribeArtifact, ListArtifacts,
 * ListAssociations and DeleteArtifact; Loam answered UnknownOperationException. Here boto3 (Debian's)
 * makes an artifact, associates it with a training job, lists and describes it, walks QueryLineage (whose
 * vertices are botocore's Vertex: no SourceUri), deletes it (its associations go with it) and is refused
 * what it names wrongly. Every raw answer is checked against botocore's output shape (botocore_shapes.py).
 */
let loam: AwsLoam;
useAwsLoam((l) => (loam = l));

// Loam's lineage vertices are its resources (a training job by its own ARN), where SageMaker has trial
// components; no other departure from botocore's shapes is accepted.
const known = /'arn:loam:sagemaker:[^']*:training-job\/[^']*' does not match AssociationEntityArn pattern/;

const program = `
import time
sys.path.insert(0, ARGS['checker'])
from botocore_shapes import violations
sm = client('sagemaker'); s3 = client('s3')
RAW = {}
sm.meta.events.register('after-call.sagemaker', lambda http_response, model, **_: RAW.__setitem__(model.name, json.loads(http_response.content or b'{}')))
found = []; unchecked = []
def check(op, label=None):
    found.extend(violations(sm.meta.service_model.operation_model(op).output_shape, RAW[op], label or op, unchecked, partition='loam'))
out = {}
s3.create_bucket(Bucket='lineage')
s3.put_object(Bucket='lineage', Key='train/data.csv', Body=b'1,0.5\\n0,0.25\\n')
job = sm.create_training_job(TrainingJobName='lin-job', RoleArn='arn:aws:iam::000000000000:role/LoamTests',
    AlgorithmSpecification={'TrainingImage': 'sagemaker-scikit-learn:1.2-1-cpu-py3', 'TrainingInputMode': 'File',
        'ContainerEntrypoint': ['python3', '-c', 'open("/opt/ml/model/m.txt","w").write("m")']},
    InputDataConfig=[{'ChannelName': 'train', 'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://lineage/train/'}}}],
    OutputDataConfig={'S3OutputPath': 's3://lineage/out'},
    ResourceConfig={'InstanceType': 'ml.m5.large', 'InstanceCount': 1, 'VolumeSizeInGB': 5},
    StoppingCondition={'MaxRuntimeInSeconds': 120})['TrainingJobArn']

art = sm.create_artifact(ArtifactName='review-notes', ArtifactType='Report',
    Source={'SourceUri': 's3://lineage/notes/review.pdf', 'SourceTypes': [{'SourceIdType': 'Custom', 'Value': 'v1'}]},
    Properties={'owner': 'ml-team'}, Tags=[{'Key': 'team', 'Value': 'ml'}])['ArtifactArn']
check('CreateArtifact')
sm.add_association(SourceArn=art, DestinationArn=job, AssociationType='AssociatedWith')
a = sm.list_associations(SourceArn=art)['AssociationSummaries']
check('ListAssociations', 'ListAssociations(SourceArn)')
out['from_artifact'] = [[x['SourceArn'] == art, x['DestinationArn'] == job, x['SourceType'], x['DestinationType'], x['AssociationType'], x.get('SourceName'), x.get('DestinationName')] for x in a]
into_job = sm.list_associations(DestinationArn=job, SortBy='SourceType', SortOrder='Ascending')['AssociationSummaries']
check('ListAssociations', 'ListAssociations(DestinationArn)')
out['into_job'] = [[x['SourceType'], x['AssociationType']] for x in into_job]
d = sm.describe_artifact(ArtifactArn=art)
check('DescribeArtifact')
out['described'] = [d['ArtifactName'], d['ArtifactType'], d['Source'], d['Properties'], d['CreationTime'] <= d['LastModifiedTime']]
out['tags'] = sm.list_tags(ResourceArn=art)['Tags']
listed = sm.list_artifacts(SourceUri='s3://lineage/notes/review.pdf')['ArtifactSummaries']
check('ListArtifacts')
out['listed'] = [[x['ArtifactArn'] == art, x['ArtifactType'], x.get('ArtifactName')] for x in listed]
out['reports'] = len(sm.list_artifacts(ArtifactType='Report')['ArtifactSummaries'])

# QueryLineage from the job: its training data (an artifact lineage records) and the new artifact; each
# artifact vertex is described by the ARN QueryLineage gives, which is how its location is found.
q = sm.query_lineage(StartArns=[job], Direction='Ascendants', IncludeEdges=True)
check('QueryLineage')
out['vertex_keys'] = sorted({k for v in q['Vertices'] for k in v})
out['raw_vertex_keys'] = sorted({k for v in RAW['QueryLineage']['Vertices'] for k in v})
locs = []
for v in q['Vertices']:
    if v['LineageType'] == 'Artifact':
        locs.append([v['Type'], sm.describe_artifact(ArtifactArn=v['Arn'])['Source']['SourceUri']])
        check('DescribeArtifact', 'DescribeArtifact(' + v['Type'] + ')')
out['locations'] = sorted(locs)

# boto3's paginators, one association and one artifact a page, end where a single page ends.
pages = lambda name, key, **kw: [x for p in sm.get_paginator(name).paginate(PaginationConfig={'PageSize': 1}, **kw) for x in p[key]]
out['paged'] = [len(pages('list_associations', 'AssociationSummaries')) == len(sm.list_associations(MaxResults=100)['AssociationSummaries']),
    len(pages('list_artifacts', 'ArtifactSummaries')) == len(sm.list_artifacts(MaxResults=100)['ArtifactSummaries']),
    len(pages('list_associations', 'AssociationSummaries', DestinationArn=job))]
deleted = sm.delete_artifact(ArtifactArn=art)
check('DeleteArtifact')
out['deleted'] = deleted['ArtifactArn'] == art
out['after_delete'] = [error_code(sm.describe_artifact, ArtifactArn=art), error_code(sm.delete_artifact, ArtifactArn=art),
    [x['SourceType'] for x in sm.list_associations(DestinationArn=job)['AssociationSummaries']],
    error_code(sm.add_association, SourceArn=art, DestinationArn=job)]
# By Source, as the SDK's lineage utilities name an artifact by its location.
again = sm.create_artifact(ArtifactType='DataSet', Source={'SourceUri': 's3://lineage/extra/'})['ArtifactArn']
out['by_source'] = [sm.delete_artifact(Source={'SourceUri': 's3://lineage/extra/'})['ArtifactArn'] == again, error_code(sm.describe_artifact, ArtifactArn=again)]
out['refused'] = [
    error_code(sm.describe_artifact, ArtifactArn='arn:aws:sagemaker:us-east-1:000000000000:artifact/0123456789abcdef0123456789abcdef'),
    error_code(sm.describe_artifact, ArtifactArn='not-an-arn'),
    error_code(sm.describe_artifact, ArtifactArn=job),
    error_code(sm.delete_artifact),
    error_code(sm.list_associations, SourceArn='lin-job'),
    error_code(sm.create_artifact, ArtifactType='DataSet', Source={'SourceUri': 's3://lineage/train/'}),
    error_code(sm.create_artifact, ArtifactType='DataSet', Source={'SourceUri': 's3://lineage/train/'}),
]
print(json.dumps({'out': out, 'violations': found, 'unchecked': unchecked}))
`;

describe('boto3: lineage artifacts and associations', () => {
  it('creates, associates, lists, describes, walks and deletes an artifact with botocore\'s shapes', async () => {
    const r = await boto3<{ out: Record<string, unknown>; violations: string[]; unchecked: string[] }>(loam, program, { checker: dirname(fileURLToPath(import.meta.url)) });
    const o = r.out;
    expect(o['from_artifact']).toEqual([[true, true, 'Report', 'TrainingJob', 'AssociatedWith', 'review-notes', 'lin-job']]);
    // The job's input channel, recorded by lineage itself, and the association just added.
    expect(o['into_job']).toEqual([['DataSet', 'ContributedTo'], ['Report', 'AssociatedWith']]);
    expect(o['described']).toEqual(['review-notes', 'Report', { SourceUri: 's3://lineage/notes/review.pdf', SourceTypes: [{ SourceIdType: 'Custom', Value: 'v1' }] }, { owner: 'ml-team' }, true]);
    expect(o['tags']).toEqual([{ Key: 'team', Value: 'ml' }]);
    expect(o['listed']).toEqual([[true, 'Report', 'review-notes']]);
    expect(o['reports']).toBe(1);
    expect(o['raw_vertex_keys']).toEqual(['Arn', 'LineageType', 'Type']);
    expect(o['locations']).toEqual([['DataSet', 's3://lineage/train'], ['Report', 's3://lineage/notes/review.pdf']]);
    expect(o['paged']).toEqual([true, true, 2]);
    expect(o['deleted']).toBe(true);
    expect(o['after_delete']).toEqual(['ResourceNotFound', 'ResourceNotFound', ['DataSet'], 'ResourceNotFound']);
    expect(o['by_source']).toEqual([true, 'ResourceNotFound']);
    // Unknown artifact; not an ARN; an ARN of another kind; neither ArtifactArn nor Source; not an ARN;
    // the training data's artifact taken over once, then a second CreateArtifact for it.
    expect(o['refused']).toEqual(['ResourceNotFound', 'ValidationException', 'ValidationException', 'ValidationException', 'ValidationException', 'resolved', 'ResourceInUse']);
    expect(r.unchecked).toEqual([]);
    expect(r.violations.filter((v) => !known.test(v))).toEqual([]);
  }, 240_000);
});
