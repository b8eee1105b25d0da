import type { TSchema } from '@sinclair/typebox';
import { Timestamp } from '@loam/contracts';
import { AwsProtocolError } from '../aws-json/aws-errors.js';

/** A node of the form's tree: text, or members by name in an object without a prototype. */
type Node = string | { [k: string]: Node };

/**
 * Names that are not members but the prototype machinery of a JS object: a form key naming one
 * (`__proto__.X=v`) would otherwise write through to `Object.prototype`. No AWS member is named so.
 */
const forbidden = new Set(['__proto__', 'constructor', 'prototype']);

const node = (): { [k: string]: Node } => Object.create(null) as { [k: string]: Node };
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** `Dimensions.member.1.Name=x` → `{ Dimensions: { member: { 1: { Name: 'x' } } } }` (prototype-free objects). */
function tree(form: URLSearchParams, skip: ReadonlySet<string>): Record<string, Node> {
  const root = node();
  for (const [key, value] of form) {
    if (skip.has(key)) continue;
    const parts = key.split('.');
    const bad = parts.find((p) => forbidden.has(p));
    if (bad !== undefined) throw new AwsProtocolError('InvalidParameterValue', 400, `The parameter '${key}' is not valid: '${bad}' is not a member name.`);
    let at = root;
    parts.forEach((p, i) => {
      const next = own(at, p) ? at[p] : undefined;
      if (i === parts.length - 1) {
        if (typeof next !== 'object') at[p] = value;
        return;
      }
      if (typeof next === 'object') at = next;
      else at = at[p] = node();
    });
  }
  return root;
}

const isObject = (s: TSchema): boolean => s['type'] === 'object';
const isArray = (s: TSchema): boolean => s['type'] === 'array';

/** The members of a `member.N` list node, in index order. */
function listMembers(n: { [k: string]: Node }): Node[] {
  const members = n['member'] as { [k: string]: Node };
  return Object.keys(members).sort((a, b) => Number(a) - Number(b)).map((k) => members[k] as Node);
}

/** A member the schema does not have, in its natural JSON form (`member.N` as a list) for the error message. */
function untyped(n: Node): unknown {
  if (typeof n !== 'object') return n;
  const keys = Object.keys(n);
  if (keys.length === 1 && keys[0] === 'member' && typeof n['member'] === 'object') return listMembers(n).map(untyped);
  return Object.fromEntries(keys.map((k) => [k, untyped(n[k] as Node)]));
}

/** A node as the schema says: numbers and booleans from their text, lists from `member.N`, structures by member. */
function convert(n: Node, schema: TSchema | undefined): unknown {
  if (!schema) return untyped(n); // an unknown member: kept, so validation names it
  if (isArray(schema)) {
    if (n === '') return []; // botocore sends an empty list as `Name=`
    if (typeof n !== 'object' || !own(n, 'member') || typeof n['member'] !== 'object') return n;
    return listMembers(n).map((m) => convert(m, schema['items'] as TSchema));
  }
  if (isObject(schema)) {
    if (typeof n !== 'object') return n;
    const props = (schema['properties'] ?? {}) as Record<string, TSchema>;
    return Object.fromEntries(Object.keys(n).map((k) => [k, convert(n[k] as Node, own(props, k) ? props[k] : undefined)]));
  }
  if (typeof n !== 'string') return n;
  if (schema['type'] === 'number' && schema['description'] === Timestamp.description && !/^-?\d+(\.\d+)?$/.test(n.trim())) {
    // Timestamps travel as ISO 8601 (botocore's query serializer) and become epoch seconds, as in JSON.
    const ms = Date.parse(n);
    return Number.isFinite(ms) ? ms / 1000 : n;
  }
  if (schema['type'] === 'integer' || schema['type'] === 'number') {
    const x = Number(n);
    return n.trim() !== '' && Number.isFinite(x) ? x : n;
  }
  if (schema['type'] === 'boolean') return n === 'true' ? true : n === 'false' ? false : n;
  return n;
}

/**
 * Rebuilds an operation's JSON input from the AWS query protocol's flattened form members, guided by the
 * operation's input schema (the one table's shape: there is no second, hand-kept one). Lists arrive as
 * `Name.member.N`, structures as `Name.Member`, numbers and booleans as text, timestamps as ISO 8601. Members the schema does not
 * have are passed on as they came, so validation refuses them by name. A key with a segment `__proto__`,
 * `constructor` or `prototype` is refused (InvalidParameterValue naming it): the tree is built in
 * prototype-free objects, and such names are never members.
 */
export function queryInput(form: URLSearchParams, schema: TSchema): Record<string, unknown> {
  return convert(tree(form, new Set(['Action', 'Version'])), schema) as Record<string, unknown>;
}
