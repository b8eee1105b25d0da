import { isUtf8 } from 'node:buffer';

/**
 * Why a JSON request body was refused, naming the place (byte offset, key path). Each transport
 * turns it into its own error shape (problem+json, AWS `SerializationException`, MLflow
 * `MALFORMED_REQUEST`).
 */
export class JsonBodyError extends Error {
  override readonly name = 'JsonBodyError';
}

/**
 * Deepest nesting a request body may have. No operation's input nests more than about a dozen
 * levels; the limit keeps every recursive walk later on (validation messages, JSON.stringify into
 * the store) far from the stack's end, which 100,000 levels of `[` reach.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Most members one object of a request body may have. The widest input is a hundred or so keys
 * (HyperParameters, Environment); an object of a million keys costs hundreds of MB of heap to parse
 * and validate, so it is refused before it is parsed.
 */
export const MAX_JSON_MEMBERS = 10_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that does not start a well-formed UTF-8 character, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    // isUtf8 on the one character also refuses overlong forms and surrogates.
    if (len === 0 || i + len > b.length || !isUtf8(b.subarray(i, i + len))) return i;
    i += len;
  }
  return -1;
}

/**
 * The body's text, decoded as UTF-8. Invalid bytes are refused by offset rather than turned into
 * U+FFFD, which would silently change what gets stored.
 * @throws JsonBodyError naming the byte offset.
 */
export function decodeUtf8Body(body: Uint8Array): string {
  if (isUtf8(body)) return utf8.decode(body);
  const at = firstInvalidUtf8(body);
  throw new JsonBodyError(`The request body is not valid UTF-8: byte offset ${at} (0x${(body[at] ?? 0).toString(16).padStart(2, '0')}) does not start a well-formed character.`);
}

function showPath(path: readonly (string | number)[]): string {
  const s = path.map((p) => String(p)).join('.') || '(the top level)';
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Walks a parsed body without recursion and refuses what later code could trip on: nesting deeper
 * than {@link MAX_JSON_DEPTH}, and `__proto__` or `constructor.prototype` keys (a merge into a plain
 * object would change its prototype, or every object's).
 * @throws JsonBodyError naming the key path.
 */
export function checkJsonShape(value: unknown): void {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      throw new JsonBodyError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels (at '${showPath(path)}').`);
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    for (const k of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[k];
      if (k === '__proto__' || (k === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'))) {
        throw new JsonBodyError(`The request body has a '${k === '__proto__' ? k : 'constructor.prototype'}' key at '${showPath([...path, k])}'; keys that name object prototypes are refused.`);
      }
      if (child !== null && typeof child === 'object') stack.push({ v: child, path: [...path, k] });
    }
  }
}

/**
 * One pass over the text, before parsing, counting the members of each open object (a comma at its
 * level, outside strings, is one more member).
 * @throws JsonBodyError naming where the object opened.
 */
function checkMemberCounts(text: string): void {
  const open: { members: number; at: number }[] = []; // members = -1 for an array
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) open.push({ members: 1, at: i });
    else if (c === 0x5b) open.push({ members: -1, at: i });
    else if (c === 0x7d || c === 0x5d) open.pop();
    else if (c === 0x2c) {
      const top = open[open.length - 1];
      if (top && top.members > 0 && ++top.members > MAX_JSON_MEMBERS) {
        throw new JsonBodyError(`The request body has an object with more than ${MAX_JSON_MEMBERS} members (the one opened at character ${top.at}).`);
      }
    }
  }
}

/**
 * A JSON request body: UTF-8 checked, objects' widths counted ({@link MAX_JSON_MEMBERS}), parsed
 * (`parse` may accept dialects, e.g. MLflow's bare NaN), then {@link checkJsonShape}d.
 * @throws JsonBodyError for invalid UTF-8, invalid JSON, or a refused shape.
 */
export function parseJsonBody(body: Uint8Array | string, parse: (text: string) => unknown = JSON.parse): unknown {
  const text = typeof body === 'string' ? body : decodeUtf8Body(body);
  checkMemberCounts(text);
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new JsonBodyError(`The request body is not valid JSON: ${(e as Error).message}`);
  }
  checkJsonShape(value);
  return value;
}
