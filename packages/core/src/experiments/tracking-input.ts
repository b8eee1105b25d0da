import type { DatasetInputRecord, KeyValue, MetricPoint, RunBatch } from '../ports/experiment-store.js';
import {
  MAX_DATASETS_PER_BATCH, MAX_DATASET_DIGEST_SIZE, MAX_DATASET_NAME_SIZE, MAX_DATASET_PROFILE_SIZE, MAX_DATASET_SCHEMA_SIZE, MAX_DATASET_SOURCE_SIZE,
  MAX_ENTITIES_PER_BATCH, MAX_EXPERIMENT_TAG_VAL_LENGTH, MAX_INPUT_TAG_KEY_SIZE, MAX_INPUT_TAG_VALUE_SIZE, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH, MAX_TAG_VAL_LENGTH, checkBatchLimit, checkKey, checkLength, invalid,
} from './tracking-rules.js';

/*
 * Checks of what clients send, before anything is written. Numbers may arrive as JSON numbers or, as
 * protobuf's JSON mapping writes them, as strings: "NaN", "Infinity", "-Infinity", "12".
 */

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, inf: Infinity, '-inf': -Infinity, nan: NaN };

export function toDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (Object.hasOwn(SPECIAL, v)) return SPECIAL[v];
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

export function toLong(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

export function checkMetric(m: { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown }, now: number): MetricPoint {
  if (m === null || typeof m !== 'object') throw invalid('Each metric must be an object with key, value, timestamp and step.', '/metrics');
  const key = checkKey('metric', m.key);
  if (m.value === undefined || m.value === null) throw invalid(`Missing value for required parameter 'value'. Got no value for metric '${key}'.`, '/value');
  const value = toDouble(m.value);
  if (value === undefined) throw invalid(`Got invalid value ${JSON.stringify(m.value)} for metric '${key}' (timestamp=${String(m.timestamp)}). Please specify value as a valid double (64-bit floating point)`, '/value');
  const timestamp = m.timestamp === undefined || m.timestamp === null ? now : toLong(m.timestamp);
  if (timestamp === undefined || timestamp < 0) {
    throw invalid(`Got invalid timestamp ${JSON.stringify(m.timestamp)} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `, '/timestamp');
  }
  const step = m.step === undefined || m.step === null ? 0 : toLong(m.step);
  if (step === undefined) throw invalid(`Got invalid step ${JSON.stringify(m.step)} for metric '${key}' (value=${value}). Step must be a valid long (64-bit integer).`, '/step');
  return { key, value, timestamp, step };
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) throw invalid(`Missing value for required parameter '${what}'.`, `/${what}`);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${what}': expected a string.`, `/${what}`);
  return v;
}

export function checkParam(key: unknown, value: unknown): KeyValue {
  const k = checkKey('parameter', key);
  return { key: k, value: checkLength('Param value', MAX_PARAM_VAL_LENGTH, str(value, 'value')) };
}

export function checkTag(key: unknown, value: unknown): KeyValue {
  const k = checkKey('tag', key);
  return { key: k, value: checkLength('Tag value', MAX_TAG_VAL_LENGTH, str(value, 'value')) };
}

export function checkExperimentTag(key: unknown, value: unknown): KeyValue {
  const k = checkKey('tag', key);
  return { key: k, value: checkLength('Tag value', MAX_EXPERIMENT_TAG_VAL_LENGTH, str(value, 'value')) };
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`'${what}' must be a list.`, `/${what}`);
  return v;
}

function kv(v: unknown): { key?: unknown; value?: unknown } {
  return v !== null && typeof v === 'object' ? (v as { key?: unknown; value?: unknown }) : {};
}

/** A whole log-batch: MLflow's count limits, then every item, then duplicate param keys. */
export function checkBatch(batch: { metrics?: unknown; params?: unknown; tags?: unknown }, now: number): RunBatch {
  const metrics = list(batch.metrics, 'metrics');
  const params = list(batch.params, 'params');
  const tags = list(batch.tags, 'tags');
  checkBatchLimit('metrics', MAX_METRICS_PER_BATCH, metrics.length);
  checkBatchLimit('params', MAX_PARAMS_TAGS_PER_BATCH, params.length);
  checkBatchLimit('tags', MAX_PARAMS_TAGS_PER_BATCH, tags.length);
  checkBatchLimit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics.length + params.length + tags.length);
  const out = {
    metrics: metrics.map((m) => checkMetric(m as Record<string, unknown>, now)),
    params: params.map((p) => checkParam(kv(p).key, kv(p).value)),
    tags: tags.map((t) => checkTag(kv(t).key, kv(t).value)),
  };
  const seen = new Set<string>();
  const dupes = out.params.filter((p) => (seen.has(p.key) ? true : (seen.add(p.key), false))).map((p) => p.key);
  if (dupes.length) {
    throw invalid(`Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`, '/params');
  }
  return out;
}

function optionalString(v: unknown, what: string, limit: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  return checkLength(what, limit, str(v, what));
}

/** log-inputs: `[{ tags: [{key, value}], dataset: {name, digest, source_type, source, schema?, profile?} }]`. */
export function checkDatasetInputs(items: readonly unknown[]): DatasetInputRecord[] {
  if (!Array.isArray(items)) throw invalid("'datasets' must be a list.", '/datasets');
  checkBatchLimit('datasets', MAX_DATASETS_PER_BATCH, items.length);
  return items.map((item) => {
    const i = (item ?? {}) as { tags?: unknown; dataset?: Record<string, unknown> };
    const d = i.dataset;
    if (!d || typeof d !== 'object') throw invalid("Missing value for required parameter 'dataset'.", '/datasets/dataset');
    const tags = list(i.tags, 'tags').map((t) => ({
      key: checkLength('Input tag key', MAX_INPUT_TAG_KEY_SIZE, str(kv(t).key, 'key')),
      value: checkLength('Input tag value', MAX_INPUT_TAG_VALUE_SIZE, str(kv(t).value, 'value')),
    }));
    const schema = optionalString(d['schema'], 'Dataset schema', MAX_DATASET_SCHEMA_SIZE);
    const profile = optionalString(d['profile'], 'Dataset profile', MAX_DATASET_PROFILE_SIZE);
    return {
      dataset: {
        name: checkLength('Dataset name', MAX_DATASET_NAME_SIZE, str(d['name'], 'name')),
        digest: checkLength('Dataset digest', MAX_DATASET_DIGEST_SIZE, str(d['digest'], 'digest')),
        sourceType: str(d['source_type'], 'source_type'),
        source: checkLength('Dataset source', MAX_DATASET_SOURCE_SIZE, str(d['source'], 'source')),
        ...(schema === undefined ? {} : { schema }),
        ...(profile === undefined ? {} : { profile }),
      },
      tags,
    };
  });
}
