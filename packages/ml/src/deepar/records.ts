import { MlInputError } from '../errors.js';
import { parseStart, type TimeFreq } from './time-freq.js';

/** One DeepAR record as SageMaker reads it from a JSON Lines channel. */
export interface TimeSeriesRecord {
  readonly start: string;
  readonly target: readonly (number | string | null)[];
  readonly cat?: readonly number[];
  readonly dynamic_feat?: readonly (readonly number[])[];
}

/** A validated series: missing targets are `NaN`; `label` says where it came from, for error messages. */
export interface Series {
  readonly startMs: number;
  readonly target: Float64Array;
  readonly cat: readonly number[];
  /** One array per dynamic feature; may run past `target` (at inference it covers the forecast horizon). */
  readonly dynamicFeat: readonly Float64Array[];
  readonly label: string;
}

/** Where a record came from, so an error can name it. */
export interface RecordSource {
  readonly channel: string;
  /** 1-based line (JSON Lines) or instance (inference request) number. */
  readonly index: number;
  readonly unit?: 'line' | 'instance';
}

const describe = (src: RecordSource): string => `${src.unit ?? 'line'} ${src.index} of ${src.channel}`;

function fail(src: RecordSource, message: string): never {
  throw new MlInputError(`Record at ${describe(src)}: ${message}`, { channel: src.channel, record: src.index });
}

/**
 * Splits JSON Lines text into parsed values; blank lines are skipped.
 *
 * @throws MlInputError naming the channel and line of text that is not JSON.
 */
export function parseJsonLines(text: string, channel: string): { value: unknown; line: number }[] {
  const out: { value: unknown; line: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      out.push({ value: JSON.parse(line) as unknown, line: i + 1 });
    } catch (err) {
      fail({ channel, index: i + 1 }, `not valid JSON (${(err as Error).message}).`);
    }
  }
  return out;
}

/** What a record must satisfy beyond its own shape. */
export interface SeriesRules {
  readonly freq: TimeFreq;
  /** Minimum number of target points (e.g. context_length + prediction_length for training). */
  readonly minLength: number;
  readonly minLengthReason: string;
  /** `undefined` = no `cat` check; otherwise one cardinality per feature. */
  readonly cardinality?: readonly number[];
  /** Required length of each dynamic feature relative to the target length (0, or prediction_length at inference). */
  readonly dynamicExtra: number;
  readonly numDynamicFeat?: number;
  readonly ignoreCat?: boolean;
  readonly ignoreDynamic?: boolean;
}

/**
 * Validates one record and turns it into a {@link Series}.
 *
 * @throws MlInputError naming the record: missing or unparseable `start`, non-numeric target, a series
 *   too short, a `cat` out of cardinality, a ragged `dynamic_feat`.
 */
export function toSeries(raw: unknown, src: RecordSource, rules: SeriesRules): Series {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(src, 'expected a JSON object with "start" and "target".');
  const rec = raw as Record<string, unknown>;
  const startMs = parseStart(rec['start']);
  if (startMs === undefined) {
    fail(src, `"start" ${JSON.stringify(rec['start'])} does not parse as "YYYY-MM-DD HH:MM:SS" for time_freq '${rules.freq.text}'.`);
  }
  const t = rec['target'];
  if (!Array.isArray(t)) fail(src, '"target" must be an array of numbers ("NaN" or null for missing values).');
  const target = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const v: unknown = t[i];
    if (v === null || v === 'NaN' || v === 'nan') target[i] = NaN;
    else if (typeof v === 'number' && Number.isFinite(v)) target[i] = v;
    else fail(src, `"target"[${i}] is ${JSON.stringify(v)}, not a number (use "NaN" or null for a missing value).`);
  }
  if (target.length < rules.minLength) {
    fail(src, `the series has ${target.length} points, shorter than ${rules.minLengthReason} = ${rules.minLength}.`);
  }
  const cat = rules.ignoreCat ? [] : readCat(rec['cat'], src, rules.cardinality);
  const dynamicFeat = rules.ignoreDynamic ? [] : readDynamic(rec['dynamic_feat'], src, target.length + rules.dynamicExtra, rules.numDynamicFeat);
  return { startMs, target, cat, dynamicFeat, label: describe(src) };
}

function readCat(raw: unknown, src: RecordSource, cardinality: readonly number[] | undefined): number[] {
  if (raw === undefined) {
    if (cardinality && cardinality.length > 0) fail(src, `"cat" is missing; the model expects ${cardinality.length} categorical feature(s).`);
    return [];
  }
  const list = typeof raw === 'number' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((c) => Number.isInteger(c) && (c as number) >= 0)) {
    fail(src, `"cat" must be a list of non-negative integers; got ${JSON.stringify(raw)}.`);
  }
  const cats = list as number[];
  if (cardinality) {
    if (cats.length !== cardinality.length) fail(src, `"cat" has ${cats.length} value(s); the model expects ${cardinality.length}.`);
    cats.forEach((c, j) => {
      if (c >= (cardinality[j] as number)) fail(src, `"cat"[${j}] = ${c} is out of cardinality ${cardinality[j]} (valid codes 0–${(cardinality[j] as number) - 1}).`);
    });
  }
  return cats;
}

function readDynamic(raw: unknown, src: RecordSource, length: number, expected: number | undefined): Float64Array[] {
  if (raw === undefined) {
    if (expected) fail(src, `"dynamic_feat" is missing; the model expects ${expected} dynamic feature(s).`);
    return [];
  }
  if (!Array.isArray(raw)) fail(src, '"dynamic_feat" must be a list of lists of numbers.');
  if (expected !== undefined && raw.length !== expected) fail(src, `"dynamic_feat" has ${raw.length} feature(s); the model expects ${expected}.`);
  return raw.map((f: unknown, j) => {
    if (!Array.isArray(f) || f.length < length) {
      fail(src, `"dynamic_feat"[${j}] must have ${length} values (target length${length > 0 ? ' plus prediction_length at inference' : ''}).`);
    }
    const out = new Float64Array(f.length);
    f.forEach((v: unknown, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(src, `"dynamic_feat"[${j}][${i}] is ${JSON.stringify(v)}; dynamic features cannot be missing.`);
      out[i] = v;
    });
    return out;
  });
}
