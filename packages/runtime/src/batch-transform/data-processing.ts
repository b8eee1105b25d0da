import { formatCsvRow, parseCsvRow } from './csv-fields.js';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from './json-path.js';

/** How records are read for filters and joins: by the input's ContentType and the output's Accept. */
export type RecordFormat = 'csv' | 'json' | 'binary';

export function recordFormat(mediaType: string | undefined): RecordFormat {
  const t = (mediaType ?? '').toLowerCase();
  if (t.includes('csv')) return 'csv';
  if (t.includes('json')) return 'json';
  return 'binary';
}

export interface DataProcessingConfig {
  readonly inputFilter?: string;
  readonly outputFilter?: string;
  readonly joinSource?: 'Input' | 'None';
}

export class DataProcessingError extends Error {
  override readonly name = 'DataProcessingError';
}

/** A filter applied to one record; an index outside it fails naming the record, the filter and the index. */
function select(filter: 'InputFilter' | 'OutputFilter', path: string, selectors: ReturnType<typeof parseJsonPath>, value: unknown, where: string): unknown {
  try {
    return evaluateJsonPath(selectors, value);
  } catch (e) {
    if (e instanceof JsonPathError) throw new DataProcessingError(`${where}: ${filter} '${path}': ${e.message}.`);
    throw e;
  }
}

const numeric = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A CSV field as a JSON value: numbers as numbers, the rest as text. */
function csvValue(field: string): unknown {
  const t = field.trim();
  return numeric.test(t) ? Number(t) : field;
}

/**
 * SageMaker's DataProcessing for one job: InputFilter on each record before it is sent, then, on each
 * prediction, JoinSource=Input (CSV: the prediction's fields appended to the input row; JSON: the
 * input object gains `SageMakerOutput`, or non-objects become `{SageMakerInput, SageMakerOutput}`),
 * then OutputFilter on the joined record (or on the prediction alone without a join).
 */
export class DataProcessor {
  private readonly input?: ReturnType<typeof parseJsonPath>;
  private readonly output?: ReturnType<typeof parseJsonPath>;
  readonly join: boolean;

  constructor(
    private readonly cfg: DataProcessingConfig,
    private readonly inFormat: RecordFormat,
    private readonly outFormat: RecordFormat,
  ) {
    if (cfg.inputFilter && cfg.inputFilter !== '$') this.input = parseJsonPath(cfg.inputFilter);
    if (cfg.outputFilter && cfg.outputFilter !== '$') this.output = parseJsonPath(cfg.outputFilter);
    this.join = cfg.joinSource === 'Input';
    if ((this.input || this.join) && inFormat === 'binary') throw new DataProcessingError('InputFilter and JoinSource need a CSV or JSON input ContentType.');
    if ((this.output || this.join) && outFormat === 'binary') throw new DataProcessingError('OutputFilter and JoinSource need a CSV or JSON Accept.');
  }

  /** Whether predictions must be matched to records one by one. */
  get perRecordOutput(): boolean {
    return this.join || this.output !== undefined;
  }

  get filtersInput(): boolean {
    return this.input !== undefined;
  }

  private parseIn(text: string, where: string): unknown {
    if (this.inFormat === 'csv') return parseCsvRow(text);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new DataProcessingError(`${where}: the record is not valid JSON (${(e as Error).message}).`);
    }
  }

  /** The record as sent after InputFilter (text without its newline). */
  filterInput(text: string, where: string): string {
    if (!this.input) return text;
    const v = select('InputFilter', this.cfg.inputFilter as string, this.input, this.parseIn(text, where), where);
    if (v === undefined) throw new DataProcessingError(`${where}: InputFilter selects nothing from the record.`);
    return this.inFormat === 'csv' ? formatCsvRow(v) : JSON.stringify(v);
  }

  private parseOut(text: string, where: string, outFormat: RecordFormat): unknown {
    if (outFormat === 'json') {
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new DataProcessingError(`${where}: the prediction is not valid JSON (${(e as Error).message}).`);
      }
    }
    const fields = parseCsvRow(text);
    // Into JSON, a one-field CSV prediction is its value; into CSV, fields stay text.
    if (this.join && this.inFormat === 'json') return fields.length === 1 ? csvValue(fields[0] as string) : fields.map(csvValue);
    return fields;
  }

  /**
   * One output record (text without newline) from the original input record and its prediction, read
   * as `outFormat` (default: the Accept's; without an Accept, the driver passes the answer's Content-Type's).
   */
  outputRecord(inputText: string, prediction: string, where: string, outFormat: RecordFormat = this.outFormat): string {
    let value: unknown;
    let format: RecordFormat;
    if (this.join) {
      const input = this.parseIn(inputText, where);
      const out = this.parseOut(prediction, where, outFormat);
      if (this.inFormat === 'csv') {
        value = [...(input as string[]), ...(Array.isArray(out) ? out : [typeof out === 'object' ? JSON.stringify(out) : out])];
        format = 'csv';
      } else {
        value = input && typeof input === 'object' && !Array.isArray(input) ? { ...(input as object), SageMakerOutput: out } : { SageMakerInput: input, SageMakerOutput: out };
        format = 'json';
      }
    } else {
      value = this.parseOut(prediction, where, outFormat);
      format = outFormat;
    }
    if (this.output) {
      value = select('OutputFilter', this.cfg.outputFilter as string, this.output, value, where);
      if (value === undefined) throw new DataProcessingError(`${where}: OutputFilter selects nothing from the joined record.`);
    }
    return format === 'csv' ? formatCsvRow(value) : JSON.stringify(value);
  }
}

/**
 * A mini-batch's response cut into one prediction per record: lines for CSV and JSON Lines; for a
 * JSON document, its array (or the one array it holds, like `{"predictions": [...]}`), or the whole
 * document for a single record. @throws DataProcessingError when the counts differ.
 */
export function splitPredictions(body: string, format: RecordFormat, count: number, where: string): string[] {
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === count && (format !== 'json' || lines.every((l) => isJson(l)))) return lines;
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      doc = undefined;
    }
    if (Array.isArray(doc) && doc.length === count) return doc.map((d) => JSON.stringify(d));
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const arrays = Object.values(doc).filter((v): v is unknown[] => Array.isArray(v));
      if (arrays.length === 1 && (arrays[0] as unknown[]).length === count && count !== 1) return (arrays[0] as unknown[]).map((d) => JSON.stringify(d));
    }
    if (count === 1 && doc !== undefined) return [JSON.stringify(doc)];
  }
  throw new DataProcessingError(`${where}: the model answered ${lines.length} prediction line(s) for ${count} record(s); joins and output filters need one per record.`);
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
