import type { ArtifactFile, DatasetInputRecord, ExperimentRecord, KeyValue, MetricPoint, RunInfoRecord, RunRecord } from '@loam/core';
import { ValidationError } from '@loam/core';

/* Loam's records ↔ MLflow's JSON messages (snake_case, protobuf field names). */

export function experimentJson(e: ExperimentRecord) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: e.tags.map(kv),
  };
}

export function runInfoJson(i: RunInfoRecord) {
  return {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    ...(i.endTime === undefined ? {} : { end_time: i.endTime }),
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
}

export const metricJson = (m: MetricPoint) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step });
const kv = (t: KeyValue) => ({ key: t.key, value: t.value });

function inputJson(i: DatasetInputRecord) {
  const d = i.dataset;
  return {
    tags: i.tags.map(kv),
    dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, ...(d.schema === undefined ? {} : { schema: d.schema }), ...(d.profile === undefined ? {} : { profile: d.profile }) },
  };
}

export function runJson(r: RunRecord) {
  return {
    info: runInfoJson(r.info),
    data: { metrics: r.metrics.map(metricJson), params: r.params.map(kv), tags: r.tags.map(kv) },
    inputs: { dataset_inputs: r.inputs.map(inputJson) },
  };
}

export const fileJson = (f: ArtifactFile) => ({ path: f.path, is_dir: f.isDir, ...(f.fileSize === undefined ? {} : { file_size: f.fileSize }) });

/** A request message: a JSON body (POST) or query string (GET), read field by field. */
export class Message {
  constructor(private readonly fields: Record<string, unknown>) {}

  /** A string field; numbers are accepted as their decimal text (ids sent as numbers). */
  str(name: string): string | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return this.str1(name, v[v.length - 1]);
    return this.str1(name, v);
  }

  private str1(name: string, v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new ValidationError(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a string.`, [{ path: `/${name}`, message: 'expected a string' }]);
  }

  /** An int64 field: a JSON number or a decimal string. */
  long(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) {
      throw new ValidationError(`Invalid value ${JSON.stringify(this.fields[name])} for parameter '${name}' supplied: expected an integer.`, [{ path: `/${name}`, message: 'expected an integer' }]);
    }
    return Number(v);
  }

  /** A repeated string field (a JSON array, or a repeated / single query parameter). */
  strings(name: string): string[] | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : [v];
    return list.map((x) => this.str1(name, x));
  }

  raw(name: string): unknown {
    return this.fields[name];
  }

  /** A repeated `{key, value}` message. */
  keyValues(name: string): KeyValue[] | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new ValidationError(`Invalid value for parameter '${name}': expected a list of {key, value}.`, [{ path: `/${name}`, message: 'expected a list' }]);
    return v.map((t: { key?: unknown; value?: unknown } | null) => ({ key: this.str1(`${name}.key`, t?.key ?? ''), value: this.str1(`${name}.value`, t?.value ?? '') }));
  }
}
