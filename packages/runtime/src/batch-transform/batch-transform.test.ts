import { describe, expect, it } from 'vitest';
import { encodeRecordIO } from './records.js';
import { runCase } from './batch-transform.test-support.js';

// Where the order of requests is asserted, one transform is in flight (the model logs answers as sent).
// Every expected output below is written by hand from the sum model's rule (each record → the sum of
// its numbers, or a binary record → its byte length) and SageMaker's split/batch/filter/join rules.

const csv = '1,2,3\n4,5,6\n10,20,30\n';
const csvType = { contentType: 'text/csv' };

describe('split and batch', () => {
  it('SplitType None sends each file whole, once', async () => {
    const r = await runCase({ 'a.csv': csv }, { ...csvType });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toEqual({ 'a.csv.out': '6\n15\n60\n' });
    expect(r.requests.map((q) => q.bytes)).toEqual([csv.length]);
  });

  it('Line + SingleRecord sends one record per request; AssembleWith Line ends each answer with a newline', async () => {
    const r = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', maxConcurrentTransforms: 1 });
    expect(r.outputs).toEqual({ 'a.csv.out': '6\n15\n60\n' });
    expect(r.requests.map((q) => q.bytes)).toEqual([6, 6, 9]);
  });

  it('Line + MultiRecord packs records up to MaxPayloadInMB and never across files', async () => {
    // Five 400,000-byte rows of 1s ("1,1,…,1\n"): two fit in 1 MB (800,002 bytes), three do not.
    const row = `${Array.from({ length: 200_000 }, () => '1').join(',')}\n`;
    const big = row.repeat(5);
    const r = await runCase({ 'big.csv': big, 'sub/small.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 1, maxConcurrentTransforms: 1, assembleWith: 'Line' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toEqual({ 'big.csv.out': '200000\n'.repeat(5), 'sub/small.csv.out': '6\n15\n60\n' });
    expect(r.requests.map((q) => q.bytes)).toEqual([2 * row.length, 2 * row.length, row.length, csv.length]);
  });

  it('a record over the payload limit fails the job naming the file and line', async () => {
    const huge = `${'9,'.repeat(600_000)}9\n`;
    const r = await runCase({ 'a.csv': csv, 'b.csv': `1,1\n2,2\n${huge}3,3\n` }, { ...csvType, splitType: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 1 });
    expect(r.error?.message).toBe(`b.csv line 3: the record is ${huge.length} bytes, over MaxPayloadInMB 1 (1048576 bytes).`);
    // No output for the file that failed (and a failed job uploads none at all).
    expect(Object.keys(r.outputs)).not.toContain('b.csv.out');
    expect(Object.keys(r.outputs).some((k) => k.endsWith('.partial'))).toBe(false);
  });

  it('AssembleWith None concatenates the answers as they are', async () => {
    const r = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'None', accept: 'application/json' });
    expect(r.outputs['a.csv.out']).toBe('{"predictions":[{"score":6}]}{"predictions":[{"score":15}]}{"predictions":[{"score":60}]}');
  });

  it('RecordIO: SingleRecord strips the framing, MultiRecord keeps it', async () => {
    const file = Buffer.concat(['abc', 'de', 'fghij'].map((s) => encodeRecordIO(Buffer.from(s))));
    const single = await runCase({ 'r.rec': file }, { contentType: 'application/x-recordio', splitType: 'RecordIO', batchStrategy: 'SingleRecord', assembleWith: 'Line', maxConcurrentTransforms: 1 });
    expect(single.outputs).toEqual({ 'r.rec.out': '3\n2\n5\n' });
    expect(single.requests.map((q) => q.bytes)).toEqual([3, 2, 5]);
    const multi = await runCase({ 'r.rec': file }, { contentType: 'application/x-recordio', splitType: 'RecordIO', batchStrategy: 'MultiRecord', assembleWith: 'Line' });
    expect(multi.outputs).toEqual({ 'r.rec.out': '3\n2\n5\n' });
    expect(multi.requests.map((q) => q.bytes)).toEqual([(8 + 4) + (8 + 4) + (8 + 8)]);
  });

  it('TFRecord: records by their length prefix', async () => {
    const rec = (s: string) => {
      const head = Buffer.alloc(12);
      head.writeBigUInt64LE(BigInt(s.length), 0);
      return Buffer.concat([head, Buffer.from(s), Buffer.alloc(4)]);
    };
    const file = Buffer.concat([rec('hello'), rec('tf')]);
    const r = await runCase({ 'x.tfrecord': file }, { contentType: 'application/x-tfrecord', splitType: 'TFRecord', batchStrategy: 'SingleRecord', assembleWith: 'Line' });
    expect(r.outputs).toEqual({ 'x.tfrecord.out': '5\n2\n' });
    const m = await runCase({ 'x.tfrecord': file }, { contentType: 'application/x-tfrecord', splitType: 'TFRecord', batchStrategy: 'MultiRecord', assembleWith: 'Line' }, { SUM_TF_FRAMED: '1' });
    expect(m.outputs).toEqual({ 'x.tfrecord.out': '5\n2\n' });
    expect(m.requests.map((q) => q.bytes)).toEqual([file.length]);
  });

  it('MaxPayloadInMB 0 streams each file as one chunked request', async () => {
    const r = await runCase({ 'a.csv': csv, 'b.csv': '7,7\n' }, { ...csvType, splitType: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 0, assembleWith: 'Line', maxConcurrentTransforms: 1 });
    expect(r.outputs).toEqual({ 'a.csv.out': '6\n15\n60\n', 'b.csv.out': '14\n' });
    expect(r.requests.map((q) => [q.bytes, q.chunked])).toEqual([[csv.length, true], [4, true]]);
  });

  it('keeps input order with many transforms in flight', async () => {
    const lines = Array.from({ length: 24 }, (_, i) => `${i},${i % 3 === 0 ? 'slow' : '0'}`);
    const r = await runCase({ 'a.csv': `${lines.join('\n')}\n` }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', maxConcurrentTransforms: 6, assembleWith: 'Line' }, { SUM_SLOW: 'slow', SUM_SLOW_MS: '60' });
    expect(r.outputs['a.csv.out']).toBe(lines.map((_, i) => `${i}\n`).join(''));
  });
});

describe('DataProcessing: input filter, join and output filter', () => {
  const ids = 'id1,1,2\nid2,3,4\n';
  for (const batchStrategy of ['SingleRecord', 'MultiRecord'] as const) {
    it(`CSV: $[1:] in, joined with the input, $[0,-1] out (${batchStrategy})`, async () => {
      const r = await runCase({ 'a.csv': ids }, { ...csvType, splitType: 'Line', batchStrategy, assembleWith: 'Line', inputFilter: '$[1:]', joinSource: 'Input', outputFilter: '$[0,-1]' });
      expect(r.error).toBeUndefined();
      expect(r.outputs).toEqual({ 'a.csv.out': 'id1,3\nid2,7\n' });
      expect(r.requests.map((q) => q.bytes)).toEqual(batchStrategy === 'SingleRecord' ? [4, 4] : [8]);
    });
  }

  it('CSV joined without an output filter appends the prediction to the whole input row', async () => {
    const r = await runCase({ 'a.csv': ids }, { ...csvType, splitType: 'Line', batchStrategy: 'MultiRecord', assembleWith: 'Line', inputFilter: '$[1,2]', joinSource: 'Input' });
    expect(r.outputs['a.csv.out']).toBe('id1,1,2,3\nid2,3,4,7\n');
  });

  const jsonl = '{"id":1,"features":[1,2,3]}\n{"id":2,"features":[4,5]}\n';
  const jl = { contentType: 'application/jsonlines', accept: 'application/jsonlines', splitType: 'Line' as const, assembleWith: 'Line' as const };
  for (const batchStrategy of ['SingleRecord', 'MultiRecord'] as const) {
    it(`JSON Lines: $.features in, joined as SageMakerOutput, $['id','SageMakerOutput'] out (${batchStrategy})`, async () => {
      const r = await runCase({ 'a.jsonl': jsonl }, { ...jl, batchStrategy, maxConcurrentTransforms: 1, inputFilter: '$.features', joinSource: 'Input', outputFilter: "$['id','SageMakerOutput']" });
      expect(r.error).toBeUndefined();
      expect(r.outputs).toEqual({ 'a.jsonl.out': '{"id":1,"SageMakerOutput":{"score":6}}\n{"id":2,"SageMakerOutput":{"score":9}}\n' });
      // What the model was sent: only the features.
      expect(r.requests.map((q) => q.bytes)).toEqual(batchStrategy === 'SingleRecord' ? ['[1,2,3]\n'.length, '[4,5]\n'.length] : ['[1,2,3]\n[4,5]\n'.length]);
    });
  }

  it('JSON Lines joined without an output filter keeps the whole input object', async () => {
    const r = await runCase({ 'a.jsonl': jsonl }, { ...jl, batchStrategy: 'MultiRecord', inputFilter: '$.features', joinSource: 'Input' });
    expect(r.outputs['a.jsonl.out']).toBe('{"id":1,"features":[1,2,3],"SageMakerOutput":{"score":6}}\n{"id":2,"features":[4,5],"SageMakerOutput":{"score":9}}\n');
  });

  it('a joined input that is not an object becomes SageMakerInput', async () => {
    const r = await runCase({ 'a.jsonl': '[1,2]\n[3]\n' }, { ...jl, batchStrategy: 'MultiRecord', joinSource: 'Input' });
    expect(r.outputs['a.jsonl.out']).toBe('{"SageMakerInput":[1,2],"SageMakerOutput":{"score":3}}\n{"SageMakerInput":[3],"SageMakerOutput":{"score":3}}\n');
  });

  it('an output filter without a join selects from the prediction; a JSON document answer is split per record', async () => {
    const r = await runCase({ 'a.jsonl': jsonl }, { ...jl, accept: 'application/json', batchStrategy: 'MultiRecord', inputFilter: '$.features', outputFilter: '$.score' });
    expect(r.error).toBeUndefined();
    expect(r.outputs['a.jsonl.out']).toBe('6\n9\n');
  });

  it('JSON input scored as CSV: a one-field prediction joins as a number', async () => {
    const r = await runCase({ 'a.jsonl': jsonl }, { ...jl, accept: 'text/csv', batchStrategy: 'MultiRecord', inputFilter: '$.features', joinSource: 'Input', outputFilter: "$['id','SageMakerOutput']" });
    expect(r.outputs['a.jsonl.out']).toBe('{"id":1,"SageMakerOutput":6}\n{"id":2,"SageMakerOutput":9}\n');
  });
});

describe('the model server contract', () => {
  it('gives the container SAGEMAKER_BATCH settings and the job Environment, and honours /execution-parameters', async () => {
    const exec = JSON.stringify({ MaxConcurrentTransforms: 3, BatchStrategy: 'SINGLE_RECORD', MaxPayloadInMB: 2 });
    const r = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', assembleWith: 'Line', environment: { MODEL_GREETING: 'hi' } }, { SUM_EXEC_PARAMS: exec });
    expect(r.summary).toMatchObject({ batchStrategy: 'SingleRecord', maxPayloadInMB: 2, maxConcurrentTransforms: 3 });
    expect(r.requests).toHaveLength(3);
    expect(r.serverEnv).toMatchObject({ SAGEMAKER_BATCH: 'true', MODEL_GREETING: 'hi' });
    // The request wins over the container.
    const q = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', assembleWith: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 4 }, { SUM_EXEC_PARAMS: exec });
    expect(q.summary).toMatchObject({ batchStrategy: 'MultiRecord', maxPayloadInMB: 4, maxConcurrentTransforms: 3 });
    expect(q.requests).toHaveLength(1);
    expect(q.serverEnv).toMatchObject({ SAGEMAKER_BATCH_STRATEGY: 'MULTI_RECORD', SAGEMAKER_MAX_PAYLOAD_IN_MB: '4' });
  });

  it('sends one request at a time when MaxConcurrentTransforms is unset and the container names no number (SageMaker\'s default 1); 0 means one per vCPU', async () => {
    const unset = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', vcpus: 4 });
    expect(unset.summary).toMatchObject({ maxConcurrentTransforms: 1 });
    const auto = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', vcpus: 4, maxConcurrentTransforms: 0 });
    expect(auto.summary).toMatchObject({ maxConcurrentTransforms: 4 });
  });

  it('retries a failing request up to InvocationsMaxRetries, then fails naming the file and lines', async () => {
    const ok = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', invocationsMaxRetries: 2 }, { SUM_FAIL: '4,5', SUM_FAIL_TIMES: '2' });
    expect(ok.error).toBeUndefined();
    expect(ok.outputs['a.csv.out']).toBe('6\n15\n60\n');
    const bad = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', invocationsMaxRetries: 1 }, { SUM_FAIL: '4,5' });
    expect(bad.error?.message).toBe('a.csv lines 2-2: the model answered 500: model error: bad record (after 2 attempts)');
    // The failed file leaves nothing behind (its partial output closed and removed).
    expect(bad.outputs).toEqual({});
    const client = await runCase({ 'a.csv': csv }, { ...csvType, splitType: 'Line', batchStrategy: 'SingleRecord', assembleWith: 'Line', invocationsMaxRetries: 3 }, { SUM_FAIL: '4,5', SUM_FAIL_STATUS: '400' });
    expect(client.error?.message).toBe('a.csv lines 2-2: the model answered 400: model error: bad record');
  });

  it('gives up on a request after InvocationsTimeoutInSeconds', async () => {
    const r = await runCase({ 'a.csv': 'slow\n' }, { ...csvType, splitType: 'Line', invocationsTimeoutSeconds: 1, invocationsMaxRetries: 0 }, { SUM_SLOW: 'slow', SUM_SLOW_MS: '1500' });
    expect(r.error?.message).toBe('a.csv lines 1-1: no answer within 1 s (after 1 attempt)');
  });
});
