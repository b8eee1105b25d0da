import { describe, expect, it } from 'vitest';
import { createLoamClient } from './client.js';
import { LoamConnectionError, LoamModelError } from './errors.js';

function fakeFetch(answer: () => Response, seen: { url?: string; init?: RequestInit }[] = []): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return answer();
  }) as unknown as typeof fetch;
}

describe('invokeEndpoint (SageMaker Runtime InvokeEndpoint)', () => {
  it('sends the body and the members as Runtime headers, and returns body, content type, variant and custom attributes', async () => {
    const seen: { url?: string; init?: RequestInit }[] = [];
    const client = createLoamClient({
      endpoint: 'http://loam.test/', token: 'loam_t',
      fetch: fakeFetch(() => new Response('0.93\n', { status: 200, headers: { 'content-type': 'text/csv', 'x-amzn-invoked-production-variant': 'Blue', 'x-amzn-sagemaker-custom-attributes': 'trace=1' } }), seen),
    });
    const out = await client.invokeEndpoint({ EndpointName: 'churn a', Body: '1,2,3', ContentType: 'text/csv', Accept: 'text/csv', TargetVariant: 'Blue', CustomAttributes: 'c=1', InferenceId: 'i-1' });
    expect(new TextDecoder().decode(out.Body)).toBe('0.93\n');
    expect(out).toMatchObject({ ContentType: 'text/csv', InvokedProductionVariant: 'Blue', CustomAttributes: 'trace=1' });
    expect(seen[0]!.url).toBe('http://loam.test/endpoints/churn%20a/invocations');
    expect(seen[0]!.init).toMatchObject({
      method: 'POST', body: '1,2,3',
      headers: { authorization: 'Bearer loam_t', 'content-type': 'text/csv', accept: 'text/csv', 'x-amzn-sagemaker-target-variant': 'Blue', 'x-amzn-sagemaker-custom-attributes': 'c=1', 'x-amzn-sagemaker-inference-id': 'i-1' },
    });
  });

  it("throws ModelError (424) with the model's original status and message", async () => {
    const body = JSON.stringify({ message: 'Received client error (400) from primary with message "bad row".', OriginalStatusCode: 400, OriginalMessage: 'bad row', LogStreamArn: 'arn:loam:logs:x' });
    const client = createLoamClient({ endpoint: 'http://loam.test', fetch: fakeFetch(() => new Response(body, { status: 424, headers: { 'x-amzn-errortype': 'ModelError', 'x-amzn-requestid': 'r1' } })) });
    const err = await client.invokeEndpoint({ EndpointName: 'e', Body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoamModelError);
    expect(err).toMatchObject({ code: 'ModelError', status: 424, originalStatusCode: 400, originalMessage: 'bad row', logStreamArn: 'arn:loam:logs:x', requestId: 'r1' });
    expect((err as Error).message).toContain('bad row');
  });

  it('throws the Runtime error code from x-amzn-ErrorType, and LoamConnectionError when the server cannot be reached', async () => {
    const client = createLoamClient({ endpoint: 'http://loam.test', fetch: fakeFetch(() => new Response(JSON.stringify({ message: "Endpoint 'nope' not found." }), { status: 400, headers: { 'x-amzn-errortype': 'ValidationError' } })) });
    await expect(client.invokeEndpoint({ EndpointName: 'nope', Body: 'x' })).rejects.toMatchObject({ code: 'ValidationError', status: 400, message: "Endpoint 'nope' not found." });
    const down = createLoamClient({ endpoint: 'http://127.0.0.1:9', fetch: (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch });
    const e = await down.invokeEndpoint({ EndpointName: 'e', Body: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LoamConnectionError);
    expect((e as Error).message).toMatch(/^Cannot reach Loam at http:\/\/127\.0\.0\.1:9: fetch failed\. Is `loam up` running\?$/);
  });
});
