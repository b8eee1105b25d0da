import { echoEscaped } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';
import type { ListObjectsQuery, ObjectRef } from './artifact-store.js';

/*
 * One rule set for bucket names and object keys, shared by every ArtifactStore (local-fs, S3, the
 * in-memory fake) so a key accepted by one is accepted by all. Keys are checked as received *and* after
 * every layer of percent-decoding, NFKC folding and slash/dot lookalike folding, so a key that some
 * other layer (a proxy, a client, a later decode) could turn into a traversal is refused here too.
 */

/** Longest key in UTF-8 bytes (S3's limit). */
export const MAX_KEY_BYTES = 1024;
/** Longest `/`-separated key segment in UTF-8 bytes (a file name on local filesystems). */
export const MAX_SEGMENT_BYTES = 255;
/** Key segments starting with this are reserved for a store's own files (temp files, sidecars). */
export const RESERVED_SEGMENT_PREFIX = '.loam-';

const utf8 = new TextEncoder();
const bytes = (s: string): number => utf8.encode(s).length;

/** What a message may show of a hostile value: cut as every echoed value is, then escaped (controls, bidi marks). */
const shown = (value: string): string => echoEscaped(value);

function invalid(what: string, path: string, value: string, reason: string): ValidationError {
  const message = `${what} '${shown(value)}' is not valid: ${reason}.`;
  return new ValidationError(message, [{ path, message: reason }]);
}

const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Throws ValidationException unless `bucket` follows S3's bucket-naming rules. */
export function validateBucketName(bucket: string, path = '/Bucket'): void {
  const bad = (reason: string) => invalid('Bucket name', path, String(bucket), reason);
  if (typeof bucket !== 'string') throw bad('expected a string');
  if (bucket.length < 3 || bucket.length > 63) throw bad('expected 3 to 63 characters');
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    throw bad('expected lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit');
  }
  if (bucket.includes('..')) throw bad('two adjacent dots are not allowed');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) throw bad('a bucket name must not look like an IP address');
  const prefix = RESERVED_BUCKET_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) throw bad(`the prefix '${prefix}' is reserved`);
  const suffix = RESERVED_BUCKET_SUFFIXES.find((s) => bucket.endsWith(s));
  if (suffix) throw bad(`the suffix '${suffix}' is reserved`);
}

// Controls, format characters (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uD800-\uDFFF]/u;
// Characters that look like, or are folded by some layer into, a slash, a backslash or a dot.
const SLASH_LIKE = /[\u2215\u2044\u29F8\u2571\uFF0F]/g;
const BACKSLASH_LIKE = /[\u29F9\u2216\u2572\uFE68\uFF3C\u29F5]/g;
const DOT_LIKE = /[\u2024\uFE52\uFF0E\u3002\uFF61\u0701\u0702\uA60E]/g;

/**
 * Decodes one layer of `%XX` / `%uXXXX` escapes. Returns `undefined` when the bytes are not valid
 * UTF-8 (overlong forms such as `%c0%ae` land here) and the input itself when nothing is escaped.
 */
function percentDecodeOnce(s: string): string | undefined {
  if (!/%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i.test(s)) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const u = /^%u([0-9a-f]{4})/i.exec(s.slice(i, i + 6));
    if (u) {
      out.push(...utf8.encode(String.fromCharCode(parseInt(u[1] as string, 16))));
      i += 6;
      continue;
    }
    const x = /^%([0-9a-f]{2})/i.exec(s.slice(i, i + 3));
    if (x) {
      out.push(parseInt(x[1] as string, 16));
      i += 3;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    out.push(...utf8.encode(ch));
    i += ch.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(out));
  } catch {
    return undefined;
  }
}

/** Every form the value could take after other layers decode or fold it; `undefined` = undecodable. */
function layers(value: string): string[] | undefined {
  const forms = [value];
  let cur = value;
  for (let depth = 0; ; depth++) {
    const next = percentDecodeOnce(cur);
    if (next === undefined) return undefined;
    if (next === cur) break;
    if (depth >= 6) return undefined;
    forms.push(next);
    cur = next;
  }
  const folded = forms.flatMap((f) => {
    const nfkc = f.normalize('NFKC');
    const look = nfkc.replace(SLASH_LIKE, '/').replace(BACKSLASH_LIKE, '\\').replace(DOT_LIKE, '.');
    return [nfkc, look];
  });
  return [...new Set([...forms, ...folded])];
}

/** Why one form of a key (or of a prefix's complete part) breaks the rules, or undefined. */
function formProblem(form: string, partialLast: boolean): string | undefined {
  if (FORBIDDEN_CHARS.test(form)) return 'control, format and separator characters (NUL, bidi, zero-width) are not allowed';
  if (form.includes('\\')) return 'backslashes are not allowed';
  if (form.startsWith('/')) return 'a key must not start with /';
  if (/^[A-Za-z]:/.test(form)) return 'a key must not start with a drive letter';
  // Refused when `//` was (before empty segments were allowed): other layers read `file:///x` as a URL.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(form)) return 'a key must not start with a URL scheme and // (file://)';
  const segments = form.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    // As on S3, a key may end with / (a folder marker, `dir/`) and hold empty segments (`a//b`); only
    // a leading / (checked above) is refused, as it reads as an absolute path.
    if (seg === '') continue;
    const head = seg.split(';')[0] as string;
    if (/^[.\s]*$/.test(head)) return "segments made only of dots ('.', '..') are not allowed";
    if (!(last && partialLast) && /[.\s]$/.test(seg)) return 'a segment must not end with a dot or a space';
    if (seg.toLowerCase().startsWith(RESERVED_SEGMENT_PREFIX)) return `segments starting with '${RESERVED_SEGMENT_PREFIX}' are reserved`;
    if (bytes(seg) > MAX_SEGMENT_BYTES) return `a segment must be at most ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

function keyProblem(key: string, partialLast: boolean): string | undefined {
  if (bytes(key) > MAX_KEY_BYTES) return `a key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  if (FORBIDDEN_CHARS.test(key)) return formProblem(key, partialLast);
  const forms = layers(key);
  if (!forms) return 'its percent-escapes do not decode to valid UTF-8 (overlong or truncated sequences)';
  for (const form of forms) {
    const problem = formProblem(form, partialLast);
    if (problem) return form === key ? problem : `read as '${shown(form)}' (after decoding or folding), ${problem}`;
  }
  return undefined;
}

/**
 * Throws ValidationException unless `key` is a safe object key: 1–1024 bytes, not starting with `/`,
 * `/`-separated segments that are empty (`a//b`, a folder marker's `dir/`) or not `.`/`..` (nor only
 * dots and spaces), not ending in a dot or space, at most
 * 255 bytes, not reserved (`.loam-…`); no backslash, control or format character, leading `/`, drive
 * letter or URL scheme with `//` — in the key as given and in every decoded or folded form of it.
 */
export function validateObjectKey(key: string, path = '/Key'): void {
  if (typeof key !== 'string') throw invalid('Object key', path, String(key), 'expected a string');
  if (key === '') throw invalid('Object key', path, key, 'a key must not be empty');
  const problem = keyProblem(key, false);
  if (problem) throw invalid('Object key', path, key, problem);
}

/** Validates both parts of an `s3://bucket/key` address. */
export function validateObjectRef(ref: ObjectRef): void {
  if (ref === null || typeof ref !== 'object') throw new ValidationError('Object reference is not valid: expected { bucket, key }.');
  validateBucketName(ref.bucket);
  validateObjectKey(ref.key);
}

/**
 * A list prefix or `startAfter`: empty, or a key whose last segment may be partial (so `data/`,
 * `data/par` pass) but whose segments still obey every key rule, and which is never only dots.
 */
export function validateKeyPrefix(prefix: string, path = '/Prefix'): void {
  if (typeof prefix !== 'string') throw invalid('Key prefix', path, String(prefix), 'expected a string');
  if (prefix === '') return;
  const problem = keyProblem(prefix, true);
  if (problem) throw invalid('Key prefix', path, prefix, problem);
}

/**
 * Throws ValidationException when `value`, a key that also names a file (an MLflow artifact path, which
 * clients write to and read from local files), has an empty segment (`a//b`) or, unless it is a
 * `folder`, ends with `/`. Object keys may (see validateObjectKey), as on S3; files may not.
 */
export function validateFilePath(value: string, path: string, folder = false): void {
  const segments = value.split('/');
  if (folder && segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  if (value !== '' && segments.some((s) => s === '')) {
    throw invalid('Path', path, value, folder ? 'empty segments (//) are not allowed' : 'empty segments (//) and a trailing / are not allowed');
  }
}

/** The maximum page size of `list` (S3's). */
export const MAX_LIST_KEYS = 1000;

/** Validates a list query; returns maxKeys clamped to 1–1000 (default 1000), as S3 does. */
export function validateListQuery(query: ListObjectsQuery): { maxKeys: number } {
  validateBucketName(query.bucket);
  if (query.prefix !== undefined) validateKeyPrefix(query.prefix, '/Prefix');
  if (query.startAfter !== undefined) validateKeyPrefix(query.startAfter, '/StartAfter');
  const d = query.delimiter;
  if (d !== undefined && (typeof d !== 'string' || d === '' || bytes(d) > 64 || FORBIDDEN_CHARS.test(d))) {
    throw invalid('Delimiter', '/Delimiter', String(d), 'expected 1 to 64 bytes without control characters');
  }
  const m = query.maxKeys;
  if (m === undefined) return { maxKeys: MAX_LIST_KEYS };
  if (!Number.isInteger(m) || m < 1) throw invalid('MaxKeys', '/MaxKeys', String(m), 'expected an integer of at least 1');
  return { maxKeys: Math.min(m, MAX_LIST_KEYS) };
}

/** S3's key order: by UTF-8 bytes, i.e. by code point (JS `<` differs beyond U+FFFF). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

// Surrogates stand for code points above U+FFFF, which UTF-8 sorts after U+E000–U+FFFF.
function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2800;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * Resolves a requested byte range (inclusive end) against an object's size, as S3 does: the end is
 * clamped to the last byte; a start at or past the end of the object is refused.
 */
export function resolveByteRange(range: { start: number; end?: number } | undefined, size: number): { start: number; end: number } | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  const text = `${String(start)}-${end === undefined ? '' : String(end)}`;
  if (!Number.isSafeInteger(start) || start < 0) throw invalid('Range', '/Range', text, 'start must be a non-negative integer');
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) throw invalid('Range', '/Range', text, 'end must be an integer not below start');
  if (start >= size) throw invalid('Range', '/Range', text, `start must be below the object size (${size} bytes)`);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
