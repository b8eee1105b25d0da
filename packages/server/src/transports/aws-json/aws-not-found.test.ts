import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

/**
 * SageMaker's own answers for a missing endpoint, endpoint config or model are ValidationException
 * ("Could not find endpoint …"), which the SDK's EndpointDeleted waiter treats as success; a missing
 * training job is ResourceNotFound. REST keeps ResourceNotFound with 404.
 */
let loam: TestLoam;
let sm: SageMakerClient;

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(loam.app.server.address() as { port: number }).port}`;
  sm = new SageMakerClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey } });
});
afterAll(async () => loam?.close());

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

  it('leave other missing resources ResourceNotFound, and REST 404', async () => {
    expect((await errorOf(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'gone' })))).name).toBe('ResourceNotFound');
    const rest = await loam.app.inject({ method: 'GET', url: '/api/v1/endpoints/gone', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect([rest.statusCode, (rest.json() as { code?: string }).code]).toEqual([404, 'ResourceNotFound']);
  });
});
