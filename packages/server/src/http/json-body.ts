import { isUtf8 } from 'node:buffer';
import { echo, scanJsonStructure } from '@loam/core';

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
  return echo(path.map((p) => String(p)).join('.') || '(the top level)');
}

/**
 * Most objects and arrays one request body may hold. The largest inputs hold a few thousand (a
 * log-batch of 1,000 metrics); a body of millions of `{}` costs gigabytes of heap to parse and walk.
 */
export const MAX_JSON_CONTAINERS = 100_000;

interface Frame {
  readonly v: object;
  readonly key: string | number | undefined;
  readonly parent: Frame | undefined;
  readonly depth: number;
}

function pathOf(f: Frame | undefined, last?: string): (string | number)[] {
  const out: (string | number)[] = last === undefined ? [] : [last];
  for (let x = f; x && x.key !== undefined; x = x.parent) out.unshift(x.key);
  return out;
}

/**
 * Walks a parsed body without recursion and refuses what later code could trip on: nesting deeper
 * than {@link MAX_JSON_DEPTH}, and `__proto__` or `constructor.prototype` keys (a merge into a plain
 * object would change its prototype, or every object's). The key path is built only for the message.
 * @throws JsonBodyError naming the key path.
 */
export function checkJsonShape(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  const stack: Frame[] = [{ v: value, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const f = stack.pop() as Frame;
    if (f.depth >= MAX_JSON_DEPTH) {
      throw new JsonBodyError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels (at '${showPath(pathOf(f))}').`);
    }
    const v = f.v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (c !== null && typeof c === 'object') stack.push({ v: c, key: i, parent: f, depth: f.depth + 1 });
      }
      continue;
    }
    for (const k of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[k];
      if (k === '__proto__' || (k === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'))) {
        throw new JsonBodyError(`The request body has a '${k === '__proto__' ? k : 'constructor.prototype'}' key at '${showPath(pathOf(f, k))}'; keys that name object prototypes are refused.`);
      }
      if (child !== null && typeof child === 'object') stack.push({ v: child, key: k, parent: f, depth: f.depth + 1 });
    }
  }
}

/**
 * One pass over the text, before parsing: nesting ten times deeper than {@link MAX_JSON_DEPTH}, more than
 * {@link MAX_JSON_CONTAINERS} objects and arrays, or an object of more than {@link MAX_JSON_MEMBERS}
 * members (a comma at its level, outside strings, is one more member) is refused without parsing.
 * @throws JsonBodyError naming where it happens.
 */
function checkMemberCounts(text: string): void {
  const open: { members: number; at: number }[] = []; // members = -1 for an array
  let containers = 0;
  scanJsonStructure(text, (c, i) => {
    if (c === 0x7b || c === 0x5b) {
      // Far past the limit: refused unparsed (the walk names the key path of anything nearer).
      if (open.length >= 10 * MAX_JSON_DEPTH) throw new JsonBodyError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels (at character ${i}).`);
      if (++containers > MAX_JSON_CONTAINERS) throw new JsonBodyError(`The request body holds more than ${MAX_JSON_CONTAINERS} objects and arrays (the next opens at character ${i}).`);
      open.push({ members: c === 0x7b ? 1 : -1, at: i });
    } else if (c === 0x7d || c === 0x5d) open.pop();
    else {
      const top = open[open.length - 1];
      if (top && top.members > 0 && ++top.members > MAX_JSON_MEMBERS) {
        throw new JsonBodyError(`The request body has an object with more than ${MAX_JSON_MEMBERS} members (the one opened at character ${top.at}).`);
      }
    }
  });
}

/**
 * A JSON request body: UTF-8 checked, depth, size and objects' widths bounded before parsing
 * ({@link checkMemberCounts}), parsed (`parse` may accept dialects, e.g. MLflow's bare NaN), then
 * {@link checkJsonShape}d.
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
