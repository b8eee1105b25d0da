import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { listeningSageMaker } from './aws-json.test-support.js';

/**
 * ConflictException's HTTP status per transport. SageMaker's model gives it none (botocore's service-2.json
 * has no `error` member for it, so Smithy's client-error default, 400, applies) and its API reference says
 * "HTTP Status Code: 400"; Loam answered 409 over the AWS protocol. REST keeps 409, what a REST client expects
 * of a conflicting change.
 */
let loam: TestLoam;
let sm: SageMakerClient;

serverPerAttempt(async () => {
  loam = await openTestLoam();
  ({ sm } = await listeningSageMaker(loam));
}, async () => {
  await loam?.close();
});

const request = (description: string) => ({
  ModelPackageGroupName: 'conflicts', ModelPackageDescription: description, ClientToken: 'tok-1',
  InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
});

describe('ConflictException', () => {
  it('is 400 over the AWS protocol, as SageMaker answers it, and 409 over REST', async () => {
    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'conflicts' }));
    await sm.send(new CreateModelPackageCommand(request('v1')));
    // The same ClientToken with another request.
    const err = await sm.send(new CreateModelPackageCommand(request('v2'))).then(() => undefined, (e: unknown) => e as { name: string; $metadata?: { httpStatusCode?: number } });
    expect([err?.name, err?.$metadata?.httpStatusCode]).toEqual(['ConflictException', 400]);
    const rest = await loam.app.inject({
      method: 'POST', url: '/api/v1/model-packages', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(request('v3')),
    });
    expect([rest.statusCode, (rest.json() as { code?: string; status?: number }).code, (rest.json() as { status?: number }).status]).toEqual([409, 'ConflictException', 409]);
  });
});
