import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { lagsForFrequency, parseStart, parseTimeFreq, periodTime, writeTimeFeatures } from './time-freq.js';

// Expected lags: GluonTS's get_lags_for_frequency (0.x, the version SageMaker's DeepAR derives from),
// transcribed to Python and run with numpy under /usr/bin/python3 for these frequencies.
const GLUONTS_LAGS: Record<string, number[]> = {
  M: [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25, 35, 36, 37],
  '3M': [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13],
  W: [1, 2, 3, 4, 5, 6, 7, 8, 12, 51, 52, 53, 103, 104, 105, 155, 156, 157],
  D: [1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 20, 21, 22, 27, 28, 29, 30, 31, 56, 84, 363, 364, 365, 727, 728, 729, 1091, 1092, 1093],
  H: [1, 2, 3, 4, 5, 6, 7, 23, 24, 25, 47, 48, 49, 71, 72, 73, 95, 96, 97, 119, 120, 121, 143, 144, 145, 167, 168, 169, 335, 336, 337, 503, 504, 505, 671, 672, 673, 719, 720, 721],
  '5min': [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 22, 23, 24, 25, 26, 34, 35, 36, 37, 38, 287, 288, 289, 575, 576, 577, 863, 864, 865, 1151, 1152, 1153],
  '15min': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 95, 96, 97, 191, 192, 193, 287, 288, 289, 383, 384, 385, 479, 480, 481, 575, 576, 577, 671, 672, 673],
  '2H': [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25, 35, 36, 37, 47, 48, 49, 59, 60, 61, 71, 72, 73, 83, 84, 85, 167, 168, 169, 251, 252, 253, 335, 336, 337, 359, 360, 361, 672, 1008],
};

describe('time_freq', () => {
  it('parses the units and multiples SageMaker accepts', () => {
    expect(parseTimeFreq('5min')).toEqual({ unit: 'min', multiple: 5, text: '5min' });
    expect(parseTimeFreq('M')).toEqual({ unit: 'M', multiple: 1, text: 'M' });
    for (const bad of ['Q', '5 minutes', '0H', '', 'h']) {
      expect(() => parseTimeFreq(bad)).toThrow(/Hyperparameter 'time_freq'/);
    }
  });

  for (const [freq, expected] of Object.entries(GLUONTS_LAGS)) {
    it(`chooses GluonTS's lags for ${freq}`, () => {
      expect(lagsForFrequency(parseTimeFreq(freq))).toEqual(expected);
    });
  }

  it('parses starts and steps through calendar months', () => {
    const ms = parseStart('2020-01-31 00:00:00') as number;
    expect(new Date(periodTime(ms, parseTimeFreq('M'), 1)).toISOString()).toBe('2020-02-29T00:00:00.000Z');
    expect(new Date(periodTime(ms, parseTimeFreq('3M'), 4)).toISOString()).toBe('2021-01-31T00:00:00.000Z');
    expect(new Date(periodTime(parseStart('2020-01-01 10:00:00') as number, parseTimeFreq('5min'), 3)).toISOString()).toBe('2020-01-01T10:15:00.000Z');
    for (const bad of ['2020-13-01', '2021-02-29', 'yesterday', '2020-01-01 25:00:00', 7]) expect(parseStart(bad)).toBeUndefined();
  });

  it('computes the calendar features pandas would (2021-03-15 14:30 is a Monday, day 74 of the year)', () => {
    const ms = parseStart('2021-03-15 14:30:00') as number;
    const out = new Float64Array(5);
    writeTimeFeatures(parseTimeFreq('min'), ms, out, 0);
    const expected = [30 / 59 - 0.5, 14 / 23 - 0.5, 0 / 6 - 0.5, 14 / 30 - 0.5, 73 / 365 - 0.5];
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    writeTimeFeatures(parseTimeFreq('M'), ms, out, 0);
    expect(out[0]).toBeCloseTo(2 / 11 - 0.5, 12);
    writeTimeFeatures(parseTimeFreq('W'), parseStart('2021-01-03') as number, out, 0);
    expect(out[1]).toBeCloseTo(52 / 52 - 0.5, 12); // ISO week 53 of 2020
  });

  it('errors are MlInputError', () => {
    expect(() => parseTimeFreq('Y')).toThrow(MlInputError);
  });
});
