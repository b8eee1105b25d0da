import { describe, expect, it } from 'vitest';
import { artifactArns, layersOf, shortName, typeOfArn, vertexLabel } from './lineage-layout.js';

const e = (s: string, d: string) => ({ SourceArn: s, DestinationArn: d, AssociationType: 'ContributedTo' });

describe('lineage layout', () => {
  it('puts each vertex one layer right of its furthest input (hand-drawn DAG)', () => {
    // data → job → model → endpoint, and data → endpoint directly
    expect(layersOf(['endpoint', 'model', 'job', 'data'], [e('data', 'job'), e('job', 'model'), e('model', 'endpoint'), e('data', 'endpoint')])).toEqual([['data'], ['job'], ['model'], ['endpoint']]);
  });
  it('survives a cycle and ignores edges to unknown vertices', () => {
    const layers = layersOf(['a', 'b'], [e('a', 'b'), e('b', 'a'), e('x', 'a')]);
    expect(layers.flat().sort()).toEqual(['a', 'b']);
  });
  it('names vertices by their resource name', () => {
    expect(shortName('arn:aws:sagemaker:us-east-1:000000000000:training-job/tj-1')).toBe('tj-1');
    expect(shortName('arn:aws:sagemaker:us-east-1:000000000000:model-package/grp/3')).toBe('grp/3');
    expect(shortName('s3://bucket/data/train.csv')).toBe('data/train.csv');
    expect(typeOfArn('arn:aws:sagemaker:us-east-1:000000000000:training-job/tj-1')).toBe('TrainingJob');
    expect(typeOfArn('s3://bucket/x')).toBe('Artifact');
  });
  it('labels an artifact by its location once described, by its id until then', () => {
    const artifact = 'arn:loam:sagemaker:us-east-1:000000000000:artifact/0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    expect(vertexLabel(artifact, 's3://bucket/models/job/output/model.tar.gz')).toBe('output/model.tar.gz');
    expect(vertexLabel(artifact)).toBe('0f1e2d3c4b5a69788796a5b4c3d2e1f0');
    expect(vertexLabel('arn:loam:sagemaker:us-east-1:000000000000:training-job/tj-1', undefined)).toBe('tj-1');
  });
  it('asks DescribeArtifact only for artifact ARNs, each once', () => {
    const artifact = 'arn:loam:sagemaker:us-east-1:000000000000:artifact/0f1e';
    expect(artifactArns([
      { Arn: artifact, LineageType: 'Artifact' }, { Arn: artifact, LineageType: 'Artifact' },
      // A model package is an Artifact in SageMaker's classification, but not an artifact resource.
      { Arn: 'arn:loam:sagemaker:us-east-1:000000000000:model-package/g/1', LineageType: 'Artifact' },
      { Arn: 'arn:loam:sagemaker:us-east-1:000000000000:training-job/tj', LineageType: 'TrialComponent' },
    ])).toEqual([artifact]);
  });
});
