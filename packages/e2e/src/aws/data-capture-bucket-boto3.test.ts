import { describe, expect, it } from 'vitest';
import { type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * Data capture into a bucket that does not exist, through Debian's boto3 against `loam up`. SageMaker
 * takes the DestinationS3Uri without checking the bucket and capture never impacts inference, so the
 * endpoint goes InService and every invocation answers; what shows the failure is DescribeEndpoint's
 * DataCaptureConfig.CaptureStatus ("whether data capture is currently functional"): Stopped while the
 * writes fail, Started again once the bucket exists and a write lands there.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

const program = `
import time
s3 = client('s3'); sm = client('sagemaker'); rt = client('sagemaker-runtime')
inference = b'def model_fn(model_dir):\\n    return None\\ndef predict_fn(data, model):\\n    return [7]\\n'
deploy_script_model('cap', inference, 'cap-models', config_extra={'DataCaptureConfig': {'EnableCapture': True, 'InitialSamplingPercentage': 100,
  'DestinationS3Uri': 's3://cap-missing/dc', 'CaptureOptions': [{'CaptureMode': 'Input'}, {'CaptureMode': 'Output'}]}})
def status(): return sm.describe_endpoint(EndpointName='cap')['DataCaptureConfig']['CaptureStatus']
def invoke(): return rt.invoke_endpoint(EndpointName='cap', ContentType='application/json', Body=b'[[1]]')['Body'].read().decode()
def until(want):
    for _ in range(100):
        if status() == want: return want
        time.sleep(0.2)
    return status()
out = {'before': status(), 'answers': [invoke() for _ in range(3)]}
out['whileMissing'] = until('Stopped')
out['answerWhileStopped'] = invoke()
s3.create_bucket(Bucket='cap-missing')
out['afterCreate'] = [invoke() for _ in range(2)]
out['recovered'] = until('Started')
out['captured'] = s3.list_objects_v2(Bucket='cap-missing', Prefix='dc/cap/AllTraffic/')['KeyCount']
print(json.dumps(out))
`;

describe('boto3: data capture into a bucket that does not exist', () => {
  it('keeps the endpoint answering and shows CaptureStatus Stopped until the bucket exists, then Started with the records written there', async () => {
    const out = await boto3<{ before: string; answers: string[]; whileMissing: string; answerWhileStopped: string; afterCreate: string[]; recovered: string; captured: number }>(loam, program);
    expect(out.before).toBe('Started');
    expect(out.answers).toEqual(['[7]', '[7]', '[7]']);
    expect(out.whileMissing).toBe('Stopped');
    expect(out.answerWhileStopped).toBe('[7]');
    expect(out.afterCreate).toEqual(['[7]', '[7]']);
    expect(out.recovered).toBe('Started');
    expect(out.captured).toBeGreaterThan(0);
    // The reason is in the server's log, naming the destination.
    expect(loam.process.stderr()).toMatch(/data capture write failed/);
  }, 120_000);
});
