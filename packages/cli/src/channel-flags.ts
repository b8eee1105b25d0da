import { operations } from '@loam/contracts';
import { InputError, wholeNumber } from './flags.js';

/**
 * The Channel shape `loam train` and `loam tune` fill, read from the operation table: the distribution
 * choices and the seed's bounds are the server's own, never a copy kept here.
 */
const channelShape = {
  train: operations.CreateTrainingJob.input.properties.InputDataConfig.items,
  tune: operations.CreateHyperParameterTuningJob.input.properties.TrainingJobDefinition.properties.InputDataConfig.items,
} as const;

/** The flags that build `InputDataConfig`, as both commands declare them. */
export interface ChannelFlags {
  readonly channel: readonly string[];
  readonly contentType?: string | undefined;
  readonly distribution?: readonly string[] | undefined;
  readonly shuffleSeed?: readonly string[] | undefined;
}

export const distributionHelp = (command: keyof typeof channelShape) =>
  `S3DataDistributionType (${distributionChoices(command).join(' or ')}) of one channel (train=ShardedByS3Key) or, without a name, of every channel (repeatable)`;
export const shuffleSeedHelp = 'ShuffleConfig.Seed of one channel (train=42) or, without a name, of every channel: a ShardedByS3Key channel\'s objects are shuffled with it before they are dealt to the hosts (repeatable)';

function distributionChoices(command: keyof typeof channelShape): string[] {
  return channelShape[command].properties.DataSource.properties.S3DataSource.properties.S3DataDistributionType.anyOf.map((c) => c.const);
}

/** `name=s3uri` → [name, uri], splitting at the first `=` only. */
function channelPair(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new InputError(`--channel '${s}' must look like name=s3uri.`);
  return [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Reads a per-channel flag's values, `channel=value` for one channel or `value` for every channel (a
 * named channel's value wins over the unnamed one), each read by `parse` (given `of channel 'x'` or `of
 * every channel` to name it): a value per channel name, or throws naming the flag when a value names a
 * channel no --channel gives, one channel (or every channel) is given twice, or `parse` refuses a value,
 * including a value for every channel that each channel's own overrides.
 */
function perChannel<T>(flag: string, values: readonly string[], channels: readonly string[], parse: (value: string, of: string) => T): Map<string, T> {
  if (values.length > 0 && channels.length === 0) throw new InputError(`${flag} applies to the channels given with --channel, and there are none.`);
  const named = new Map<string, string>();
  let every: string | undefined;
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 0) {
      if (every !== undefined) throw new InputError(`${flag} is given for every channel twice ('${every}' and '${v}').`);
      every = v;
      continue;
    }
    const name = v.slice(0, i);
    if (!channels.includes(name)) throw new InputError(`${flag} '${v}' names channel '${name}', which no --channel gives (channels: ${channels.join(', ')}).`);
    if (named.has(name)) throw new InputError(`${flag} is given for channel '${name}' twice ('${name}=${named.get(name)}' and '${v}').`);
    named.set(name, v.slice(i + 1));
  }
  const forEvery = every === undefined ? undefined : { value: parse(every, `${flag} of every channel`) };
  return new Map(channels.flatMap((c) => {
    const own = named.get(c);
    if (own !== undefined) return [[c, parse(own, `${flag} of channel '${c}'`)] as const];
    return forEvery === undefined ? [] : [[c, forEvery.value] as const];
  }));
}

/**
 * The `InputDataConfig` of `loam train` (`command` 'train') or `loam tune` ('tune'): one S3Prefix channel
 * per --channel, with --content-type, --distribution and --shuffle-seed. `defaultDistribution` is sent
 * for a channel without --distribution (train sends FullyReplicated, as it always did; tune leaves it to
 * the server's default, the same).
 * @throws InputError naming the flag and the value that is wrong.
 */
export function inputDataConfig(command: keyof typeof channelShape, o: ChannelFlags, defaultDistribution?: string): Record<string, unknown>[] {
  const channels = o.channel.map(channelPair);
  const names = channels.map(([name]) => name);
  const choices = distributionChoices(command);
  const distributions = perChannel('--distribution', o.distribution ?? [], names, (d, of) => {
    if (!choices.includes(d)) throw new InputError(`${of} must be ${choices.join(' or ')}, got '${d}'`);
    return d;
  });
  const seed = channelShape[command].properties.ShuffleConfig.properties.Seed;
  // JSON carries a seed beyond ±2^53 as the nearest double: refused rather than sent as another seed.
  const bounds = { min: Math.max(seed.minimum ?? -Infinity, Number.MIN_SAFE_INTEGER), max: Math.min(seed.maximum ?? Infinity, Number.MAX_SAFE_INTEGER) };
  const seeds = perChannel('--shuffle-seed', o.shuffleSeed ?? [], names, (s, of) => wholeNumber(s, of, bounds));
  return channels.map(([ChannelName, uri]) => {
    const distribution = distributions.get(ChannelName) ?? defaultDistribution;
    const s = seeds.get(ChannelName);
    return {
      ChannelName,
      ...(o.contentType ? { ContentType: o.contentType } : {}),
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: uri, ...(distribution ? { S3DataDistributionType: distribution } : {}) } },
      ...(s !== undefined ? { ShuffleConfig: { Seed: s } } : {}),
    };
  });
}

/**
 * The hint printed when a seed is given to a channel every host gets whole: Loam stages channels once, as
 * files, so the seed changes nothing there (the ShuffleConfig shape's note says so).
 */
export function shuffleHint(channels: readonly Record<string, unknown>[]): string | undefined {
  const whole = channels.filter((c) => c['ShuffleConfig'] !== undefined && (c['DataSource'] as { S3DataSource: { S3DataDistributionType?: string } }).S3DataSource.S3DataDistributionType !== 'ShardedByS3Key').map((c) => c['ChannelName'] as string);
  if (whole.length === 0) return undefined;
  return `hint: --shuffle-seed on ${whole.map((n) => `'${n}'`).join(', ')}, which every host gets whole (FullyReplicated): the seed changes nothing there; shuffling applies to ShardedByS3Key channels (--distribution ${whole[0]}=ShardedByS3Key).`;
}
