import { MlInputError } from '../errors.js';
import type { DeepArHyperparameters } from './hyperparameters.js';
import { parseJsonLines, toSeries, type Series, type TimeSeriesRecord } from './records.js';

/** A channel's content: JSON Lines text, or records already parsed. */
export type ChannelInput = string | readonly (TimeSeriesRecord | unknown)[];

const entries = (input: ChannelInput, channel: string): { value: unknown; line: number }[] =>
  typeof input === 'string' ? parseJsonLines(input, `channel '${channel}'`) : input.map((value, i) => ({ value, line: i + 1 }));

/** The data shape the model learns from the train channel: categorical cardinalities and dynamic features. */
export interface DataShape {
  readonly cardinality: readonly number[];
  readonly numDynamicFeat: number;
}

/**
 * Resolves `cardinality: auto` (max code + 1 per feature over train and test) and
 * `num_dynamic_feat: auto` (the count in the first train record).
 */
export function resolveShape(hp: DeepArHyperparameters, train: ChannelInput, test: ChannelInput | undefined): DataShape {
  const all = [...entries(train, 'train'), ...(test ? entries(test, 'test') : [])];
  let cardinality: number[] = [];
  if (hp.cardinality !== 'ignore') {
    if (hp.cardinality === 'auto') {
      for (const { value } of all) {
        const cat = (value as { cat?: unknown } | null)?.cat;
        const list = typeof cat === 'number' ? [cat] : Array.isArray(cat) ? cat : [];
        list.forEach((c: unknown, j) => {
          if (Number.isInteger(c) && (c as number) >= 0) cardinality[j] = Math.max(cardinality[j] ?? 1, (c as number) + 1);
        });
      }
      for (let j = 0; j < cardinality.length; j++) cardinality[j] ??= 1;
    } else {
      cardinality = [...hp.cardinality];
    }
  }
  let numDynamicFeat = 0;
  if (hp.numDynamicFeat !== 'ignore') {
    if (hp.numDynamicFeat === 'auto') {
      const first = all[0]?.value as { dynamic_feat?: unknown } | undefined;
      numDynamicFeat = Array.isArray(first?.dynamic_feat) ? first.dynamic_feat.length : 0;
    } else {
      numDynamicFeat = hp.numDynamicFeat;
    }
  }
  return { cardinality, numDynamicFeat };
}

/**
 * Reads and validates a channel. Train series need context_length + prediction_length points; test
 * series are scored on their last prediction_length points, so they need the same.
 *
 * @throws MlInputError naming the channel and record (see {@link toSeries}), or an empty channel.
 */
export function readChannel(input: ChannelInput, channel: string, hp: DeepArHyperparameters, shape: DataShape): Series[] {
  const series = entries(input, channel).map(({ value, line }) =>
    toSeries(value, { channel: `channel '${channel}'`, index: line }, {
      freq: hp.timeFreq,
      minLength: hp.contextLength + hp.predictionLength,
      minLengthReason: 'context_length + prediction_length',
      cardinality: shape.cardinality,
      dynamicExtra: 0,
      numDynamicFeat: shape.numDynamicFeat,
      ignoreCat: hp.cardinality === 'ignore',
      ignoreDynamic: hp.numDynamicFeat === 'ignore' || shape.numDynamicFeat === 0,
    }),
  );
  if (series.length === 0) throw new MlInputError(`Channel '${channel}' holds no time series.`, { channel });
  return series;
}
