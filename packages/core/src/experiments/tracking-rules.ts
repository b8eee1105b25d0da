import { posix } from 'node:path';
import { echo, echoEscaped } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';
import type { TokenRefusal } from './keyset-page-token.js';

export { decodeKeysetToken, encodeKeysetToken, type KeysetPageStart, type TokenRefusal } from './keyset-page-token.js';

/* MLflow's limits and name rules (mlflow/utils/validation.py), so clients see the same refusals. */

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** Largest log-batch body, in bytes. */
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_DATASETS_PER_BATCH = 1000;
export const MAX_DATASET_NAME_SIZE = 500;
export const MAX_DATASET_DIGEST_SIZE = 36;
export const MAX_DATASET_SOURCE_SIZE = 65535;
export const MAX_DATASET_SCHEMA_SIZE = 1048575;
export const MAX_DATASET_PROFILE_SIZE = 16777215;
export const MAX_INPUT_TAG_KEY_SIZE = 255;
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
/** Default and largest page of runs/search and experiments/search. */
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;
/** Default and largest page of metrics/get-history. */
export const HISTORY_MAX_RESULTS = 25000;

const NAME = /^[/\w.\- :]*$/u;

export function invalid(message: string, path = '/'): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/** Names may be treated as file paths, so they must not normalise to another name. */
function pathNotUnique(name: string): boolean {
  const norm = posix.normalize(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/** Throws unless `name` is a valid metric, param or tag key. */
export function checkKey(kind: 'metric' | 'parameter' | 'tag', name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid(`Missing value for required parameter 'key'. A ${kind} key name must be provided.`, '/key');
  if (!NAME.test(name)) {
    throw invalid(`Invalid ${kind} name: '${name}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`, '/key');
  }
  if (pathNotUnique(name)) {
    throw invalid(`Invalid ${kind} name: '${name}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${posix.normalize(name)}'`, '/key');
  }
  checkLength(`${kind[0]!.toUpperCase()}${kind.slice(1)} name`, MAX_ENTITY_KEY_LENGTH, name);
  return name;
}

export function checkLength(what: string, limit: number, value: string): string {
  if (value.length > limit) throw invalid(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
  return value;
}

export function checkBatchLimit(what: string, limit: number, n: number): void {
  if (n > limit) {
    throw invalid(`A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
  }
}

/**
 * Characters a name may not hold: controls (C0, DEL, C1), bidirectional controls, zero-width characters —
 * except the zero-width non-joiner and joiner (U+200C, U+200D), which Persian and Indic words and emoji
 * sequences need.
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;

/**
 * An experiment name in Unicode NFC, so the same name typed as composed or decomposed characters is
 * one name (and collides as one). Names that hold characters which do not show, or reorder what
 * does (U+202E), are refused: two names that read the same must be the same name.
 */
export function checkExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid(`Invalid experiment name: '${String(name ?? '')}'`, '/name');
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) throw invalid(`Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`, '/name');
  const hidden = HIDDEN.exec(name);
  if (hidden) {
    const code = `U+${(hidden[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalid(`Invalid experiment name "${echoEscaped(name)}": it holds ${code} at position ${hidden.index}; names may not hold control, bidirectional-control or zero-width characters.`, '/name');
  }
  return name.normalize('NFC');
}

/** MLflow's refusal of a page token (keyset-page-token.ts): INVALID_PARAMETER_VALUE naming page_token. */
export const refusePageToken = (token: string) => (why: TokenRefusal): never => {
  const what = why === 'other order' ? 'it was issued for another order_by' : 'it is not a token this search issued';
  throw invalid(`Invalid page token '${echo(token)}': ${what}; pass the next_page_token of the previous page unchanged, with the same order_by.`, '/page_token');
};

/** MLflow's page tokens: base64 of `{"offset": n}` (search_runs and get-history still page so). */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

/** The offset a page token holds; one that holds none is refused by `refuse` when given, else in MLflow's words naming page_token. */
export function decodePageToken(token: string | undefined, refuse?: (why: TokenRefusal) => never): number {
  if (token === undefined || token === '') return 0;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    if (refuse) return refuse('not issued');
    throw invalid(`Invalid page token, could not base64-decode: '${echo(token)}'`, '/page_token');
  }
  const offset = (v as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    if (refuse) return refuse('not issued');
    throw invalid(`Invalid page token, it has no valid offset: '${echo(token)}'`, '/page_token');
  }
  return offset;
}

export function checkMaxResults(n: number | undefined, dflt: number, limit: number): number {
  if (n === undefined) return dflt;
  if (!Number.isSafeInteger(n) || n < 1 || n > limit) {
    throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be a positive integer at most ${limit}.`, '/max_results');
  }
  return n;
}

/**
 * SQL LIKE as MLflow's file store evaluates it: `%` any run, `_` one character, anchored; every
 * other character literal. `ILIKE` ignores case.
 */
export function likeToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let re = '';
  for (const ch of pattern) re += ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${re}$`, ignoreCase ? 'iu' : 'u');
}
