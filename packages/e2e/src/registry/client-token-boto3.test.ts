import { describe, expect, it } from 'vitest';
import { boto3, useAwsLoam, type AwsLoam } from '../aws/aws-loam.test-support.js';

/**
 * boto3 (Debian's python3-boto3, unchanged) against `loam up`: CreateModelPackage's ClientToken. botocore
 * fills it with a fresh UUID on every call (an idempotency token) and keeps it across its own retries, so
 * a retried create must answer the first ARN rather than make a second version.
 */
let loam: AwsLoam;

useAwsLoam((started) => (loam = started));

describe('boto3: CreateModelPackage ClientToken', () => {
  it('a retry with the same token answers the same ARN; the token with another request is a ConflictException', async () => {
    const out = await boto3<Record<string, any>>(loam, `
sm = client('sagemaker')
sm.create_model_package_group(ModelPackageGroupName='tokens')
req = dict(ModelPackageGroupName='tokens', ModelPackageDescription='v1',
  InferenceSpecification={'Containers': [{'Image': 'sagemaker-xgboost:1.7-1'}], 'SupportedContentTypes': ['text/csv'], 'SupportedResponseMIMETypes': ['text/csv']})
first = sm.create_model_package(ClientToken='retry-1', **req)['ModelPackageArn']
again = sm.create_model_package(ClientToken='retry-1', **req)['ModelPackageArn']
mismatch = None
try:
  sm.create_model_package(ClientToken='retry-1', **dict(req, ModelPackageDescription='v2'))
except sm.exceptions.ConflictException as e:
  mismatch = e.response['Error']['Message']
fresh = sm.create_model_package(**req)['ModelPackageArn']
listed = [p['ModelPackageArn'] for p in sm.list_model_packages(ModelPackageGroupName='tokens', SortOrder='Ascending')['ModelPackageSummaryList']]
print(json.dumps({'first': first, 'again': again, 'mismatch': mismatch, 'fresh': fresh, 'listed': listed}))
`);
    const arn = (v: number) => `arn:loam:sagemaker:us-east-1:000000000000:model-package/tokens/${v}`;
    expect(out).toMatchObject({ first: arn(1), again: arn(1), fresh: arn(2), listed: [arn(1), arn(2)] });
    expect(out['mismatch']).toContain(`ClientToken 'retry-1' was already used for a different CreateModelPackage request (it created ${arn(1)})`);
  }, 60_000);
});
