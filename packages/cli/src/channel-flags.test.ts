import { describe, expect, it } from 'vitest';
import { inputDataConfig, shuffleHint } from './channel-flags.js';

const channel = ['train=s3://d/train/', 'validation=s3://d/validation/'];
const s3 = (c: Record<string, unknown>) => (c['DataSource'] as { S3DataSource: Record<string, unknown> }).S3DataSource;

describe('loam train/tune --distribution and --shuffle-seed → InputDataConfig', () => {
  it('sets one channel by name, or every channel without one (a named value wins)', () => {
    const one = inputDataConfig('train', { channel, distribution: ['train=ShardedByS3Key'], shuffleSeed: ['train=42'] }, 'FullyReplicated');
    expect(one).toEqual([
      { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://d/train/', S3DataDistributionType: 'ShardedByS3Key' } }, ShuffleConfig: { Seed: 42 } },
      { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://d/validation/', S3DataDistributionType: 'FullyReplicated' } } },
    ]);
    const every = inputDataConfig('tune', { channel, distribution: ['ShardedByS3Key', 'validation=FullyReplicated'], shuffleSeed: ['0'] });
    expect(every.map((c) => [s3(c)['S3DataDistributionType'], c['ShuffleConfig']])).toEqual([['ShardedByS3Key', { Seed: 0 }], ['FullyReplicated', { Seed: 0 }]]);
    // Without the flags: train sends FullyReplicated as before, tune leaves it to the server.
    expect(s3(inputDataConfig('tune', { channel })[0]!)).not.toHaveProperty('S3DataDistributionType');
    expect(inputDataConfig('tune', { channel })[0]).not.toHaveProperty('ShuffleConfig');
  });

  it('refuses, naming the flag, a distribution the operation does not take, a channel no --channel gives, and a value given twice', () => {
    expect(() => inputDataConfig('train', { channel, distribution: ['train=Sharded'] })).toThrow("--distribution of channel 'train' must be FullyReplicated or ShardedByS3Key, got 'Sharded'");
    expect(() => inputDataConfig('tune', { channel, distribution: ['fullyreplicated'] })).toThrow("--distribution of every channel must be FullyReplicated or ShardedByS3Key, got 'fullyreplicated'");
    expect(() => inputDataConfig('train', { channel, distribution: ['valid=ShardedByS3Key'] })).toThrow("--distribution 'valid=ShardedByS3Key' names channel 'valid', which no --channel gives (channels: train, validation).");
    expect(() => inputDataConfig('train', { channel, shuffleSeed: ['train=1', 'train=2'] })).toThrow("--shuffle-seed is given for channel 'train' twice ('train=1' and 'train=2').");
    expect(() => inputDataConfig('train', { channel, shuffleSeed: ['1', '2'] })).toThrow("--shuffle-seed is given for every channel twice ('1' and '2').");
    expect(() => inputDataConfig('train', { channel: [], distribution: ['ShardedByS3Key'] })).toThrow('--distribution applies to the channels given with --channel, and there are none.');
    expect(() => inputDataConfig('train', { channel: ['train'] })).toThrow("--channel 'train' must look like name=s3uri.");
  });

  it('refuses a wrong value for every channel even when each channel names its own (a typo is not dropped silently)', () => {
    const one = ['train=s3://d/train/'];
    expect(() => inputDataConfig('train', { channel: one, distribution: ['Sharded', 'train=ShardedByS3Key'] })).toThrow("--distribution of every channel must be FullyReplicated or ShardedByS3Key, got 'Sharded'");
    expect(() => inputDataConfig('tune', { channel, shuffleSeed: ['4x2', 'train=1', 'validation=2'] })).toThrow("--shuffle-seed of every channel must be a whole number from -9007199254740991 to 9007199254740991, got '4x2'");
  });

  it('takes any whole seed JSON carries exactly (a Long beyond ±2^53 would reach the server as another number)', () => {
    expect(inputDataConfig('train', { channel, shuffleSeed: ['train=-9007199254740991'] })[0]!['ShuffleConfig']).toEqual({ Seed: -9007199254740991 });
    expect(() => inputDataConfig('train', { channel, shuffleSeed: ['train=1.5'] })).toThrow("--shuffle-seed of channel 'train' must be a whole number from -9007199254740991 to 9007199254740991, got '1.5'");
    expect(() => inputDataConfig('train', { channel, shuffleSeed: ['train=9223372036854775807'] })).toThrow(/--shuffle-seed of channel 'train' must be a whole number/);
    expect(() => inputDataConfig('train', { channel, shuffleSeed: ['validation='] })).toThrow("--shuffle-seed of channel 'validation' must be a whole number from -9007199254740991 to 9007199254740991, got ''");
  });

  it('hints that a seed on a channel every host gets whole changes nothing', () => {
    expect(shuffleHint(inputDataConfig('train', { channel, shuffleSeed: ['validation=3'], distribution: ['train=ShardedByS3Key'] }, 'FullyReplicated'))).toBe(
      "hint: --shuffle-seed on 'validation', which every host gets whole (FullyReplicated): the seed changes nothing there; shuffling applies to ShardedByS3Key channels (--distribution validation=ShardedByS3Key).",
    );
    expect(shuffleHint(inputDataConfig('train', { channel, shuffleSeed: ['train=3'], distribution: ['train=ShardedByS3Key'] }, 'FullyReplicated'))).toBeUndefined();
  });
});
