import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import { awsMemberPath } from './aws-member-path.js';

const input = (name: string) => getOperation(name)!.input;

describe('member paths as AWS names them', () => {
  it('members in lowerCamelCase, list elements 1-based with .member', () => {
    expect(awsMemberPath(input('CreateTrainingJob'), '/Tags/0/Value')).toEqual({ at: 'tags.1.member.value' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/InputDataConfig/2/DataSource/S3DataSource/S3Uri')).toEqual({ at: 'inputDataConfig.3.member.dataSource.s3DataSource.s3Uri' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/RoleArn')).toEqual({ at: 'roleArn' });
  });

  it('only the first letter is lowered, as AWS writes KMSKeyArn', () => {
    expect(awsMemberPath(input('CreateTrainingJob'), '/OutputDataConfig/KmsKeyId')).toEqual({ at: 'outputDataConfig.kmsKeyId' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/AlgorithmSpecification/TrainingImage')).toEqual({ at: 'algorithmSpecification.trainingImage' });
  });

  it('a map is named itself, with the key said apart (its case kept)', () => {
    expect(awsMemberPath(input('CreateTrainingJob'), '/HyperParameters/Max_Depth')).toEqual({ at: 'hyperParameters', mapKey: 'Max_Depth' });
    expect(awsMemberPath(input('CreateModel'), '/PrimaryContainer/Environment/MY_VAR')).toEqual({ at: 'primaryContainer.environment', mapKey: 'MY_VAR' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/HyperParameters/a~1b~0c')).toEqual({ at: 'hyperParameters', mapKey: 'a/b~c' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/HyperParameters/')).toEqual({ at: 'hyperParameters', mapKey: '' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/HyperParameters')).toEqual({ at: 'hyperParameters' });
  });

  it('through a recursive shape (SearchExpression.SubExpressions) and nested lists', () => {
    expect(awsMemberPath(input('Search'), '/SearchExpression/SubExpressions/0/NestedFilters/1/Filters/2/Value')).toEqual({
      at: 'searchExpression.subExpressions.1.member.nestedFilters.2.member.filters.3.member.value',
    });
  });

  it('a member the input does not declare is named as the caller sent it; the input itself is "input"', () => {
    expect(awsMemberPath(input('CreateUser'), '/Surprise')).toEqual({ at: 'Surprise' });
    expect(awsMemberPath(input('CreateTrainingJob'), '/ResourceConfig/Oops')).toEqual({ at: 'resourceConfig.Oops' });
    expect(awsMemberPath(input('CreateUser'), '')).toEqual({ at: 'input' });
    expect(awsMemberPath(input('CreateUser'), '/')).toEqual({ at: 'input' });
  });
});
