import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  waitUntilEndpointDeleted,
} from '@aws-sdk/client-sagemaker';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { listeningSageMaker } from './aws-json.test-support.js';

/**
 * SageMaker's own answers for a missing endpoint, endpoint config or model are ValidationException
 * ("Could not find endpoint …"), which the SDK's EndpointDeleted waiter treats as success; a missing
 * training job is ValidationException "Requested resource not found." (as SageMaker answers, though its API
 * reference lists ResourceNotFound). REST keeps ResourceNotFound with 404.
 */
let loam: TestLoam;
let sm: SageMakerClient;

async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ sm } = await listeningSageMaker(loam));
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
    return { name: 'resolved', message: '' };
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode ?? 0 };
  }
}

describe('missing endpoints, configs and models over the AWS protocol', () => {
  it('answer ValidationException 400 "Could not find …", as SageMaker does', async () => {
    expect(await errorOf(sm.send(new DescribeEndpointCommand({ EndpointName: 'gone' })))).toEqual({ name: 'ValidationException', status: 400, message: "Could not find endpoint 'gone'." });
    expect((await errorOf(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'gone' })))).name).toBe('ValidationException');
    expect((await errorOf(sm.send(new DescribeModelCommand({ ModelName: 'gone' })))).name).toBe('ValidationException');
    expect((await errorOf(sm.send(new DeleteEndpointCommand({ EndpointName: 'gone' })))).name).toBe('ValidationException');
    // Updates too: SageMaker lists no ResourceNotFound for UpdateEndpoint or UpdateEndpointWeightsAndCapacities.
    expect(await errorOf(sm.send(new UpdateEndpointCommand({ EndpointName: 'gone', EndpointConfigName: 'any' })))).toEqual({ name: 'ValidationException', status: 400, message: "Could not find endpoint 'gone'." });
    expect(await errorOf(sm.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'gone', DesiredWeightsAndCapacities: [{ VariantName: 'v', DesiredWeight: 1 }] }))))
      .toEqual({ name: 'ValidationException', status: 400, message: "Could not find endpoint 'gone'." });
  });

  it("let the SDK's EndpointDeleted waiter succeed", async () => {
    const r = await waitUntilEndpointDeleted({ client: sm, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { EndpointName: 'gone' });
    expect(r.state).toBe('SUCCESS');
  });

  it('a name already taken by a model, endpoint config or endpoint is ValidationException "Cannot create already existing …", as SageMaker answers (REST: 409 ResourceInUse)', async () => {
    const { storeGbdtModel, xgboostImage } = await import('../../endpoints/endpoints.test-support.js');
    await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'dup/model.tar.gz' }, { rounds: 2 });
    const model = { ModelName: 'dup', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/dup/model.tar.gz' } };
    const config = { EndpointConfigName: 'dup', ProductionVariants: [{ VariantName: 'v', ModelName: 'dup', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' as const }] };
    await sm.send(new CreateModelCommand(model));
    await sm.send(new CreateEndpointConfigCommand(config));
    await sm.send(new CreateEndpointCommand({ EndpointName: 'dup', EndpointConfigName: 'dup' }));
    const arn = (kind: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/dup`;
    expect(await errorOf(sm.send(new CreateModelCommand({ ...model, ModelName: 'DUP' })))).toEqual({ name: 'ValidationException', status: 400, message: `Cannot create already existing model "${arn('model')}".` });
    expect(await errorOf(sm.send(new CreateEndpointConfigCommand(config)))).toEqual({ name: 'ValidationException', status: 400, message: `Cannot create already existing endpoint configuration "${arn('endpoint-config')}".` });
    expect(await errorOf(sm.send(new CreateEndpointCommand({ EndpointName: 'dup', EndpointConfigName: 'dup' })))).toEqual({ name: 'ValidationException', status: 400, message: `Cannot create already existing endpoint "${arn('endpoint')}".` });
    const rest = await loam.app.inject({ method: 'POST', url: '/api/v1/models', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(model) });
    expect([rest.statusCode, (rest.json() as { code?: string }).code]).toEqual([409, 'ResourceInUse']);
    await sm.send(new DeleteEndpointCommand({ EndpointName: 'dup' }));
  });

  it('leave other missing resources ResourceNotFound, and REST 404', async () => {
    const job = await errorOf(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'gone' })));
    expect([job.name, job.message]).toEqual(['ValidationException', "Requested resource not found. Training job 'gone' does not exist."]);
    const rest = await loam.app.inject({ method: 'GET', url: '/api/v1/endpoints/gone', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect([rest.statusCode, (rest.json() as { code?: string }).code]).toEqual([404, 'ResourceNotFound']);
  });
});
