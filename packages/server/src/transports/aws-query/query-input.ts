import type { TSchema } from '@sinclair/typebox';

type Node = string | { [k: string]: Node };

/** `Dimensions.member.1.Name=x` → `{ Dimensions: { member: { 1: { Name: 'x' } } } }`. */
function tree(form: URLSearchParams, skip: ReadonlySet<string>): Record<string, Node> {
  const root: Record<string, Node> = {};
  for (const [key, value] of form) {
    if (skip.has(key)) continue;
    const parts = key.split('.');
    let at: Record<string, Node> = root;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) {
        if (typeof at[p] !== 'object') at[p] = value;
        return;
      }
      const next = at[p];
      if (typeof next === 'object') at = next;
      else at = at[p] = {};
    });
  }
  return root;
}

const isObject = (s: TSchema): boolean => s['type'] === 'object';
const isArray = (s: TSchema): boolean => s['type'] === 'array';

/** A member the schema does not have, in its natural JSON form (`member.N` as a list) for the error message. */
function untyped(node: Node): unknown {
  if (typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && typeof node['member'] === 'object') {
    const members = node['member'];
    return Object.keys(members).sort((a, b) => Number(a) - Number(b)).map((k) => untyped(members[k] as Node));
  }
  return Object.fromEntries(keys.map((k) => [k, untyped(node[k] as Node)]));
}

/** A node as the schema says: numbers and booleans from their text, lists from `member.N`, structures by member. */
function convert(node: Node, schema: TSchema | undefined): unknown {
  if (!schema) return untyped(node); // an unknown member: kept, so validation names it
  if (isArray(schema)) {
    if (node === '') return []; // botocore sends an empty list as `Name=`
    if (typeof node !== 'object' || typeof node['member'] !== 'object') return node;
    const members = node['member'];
    return Object.keys(members).sort((a, b) => Number(a) - Number(b)).map((k) => convert(members[k] as Node, schema['items'] as TSchema));
  }
  if (isObject(schema)) {
    if (typeof node !== 'object') return node;
    const props = (schema['properties'] ?? {}) as Record<string, TSchema>;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, convert(v, props[k])]));
  }
  if (typeof node !== 'string') return node;
  if (schema['type'] === 'integer' || schema['type'] === 'number') {
    const n = Number(node);
    return node.trim() !== '' && Number.isFinite(n) ? n : node;
  }
  if (schema['type'] === 'boolean') return node === 'true' ? true : node === 'false' ? false : node;
  return node;
}

/**
 * Rebuilds an operation's JSON input from the AWS query protocol's flattened form members, guided by the
 * operation's input schema (the one table's shape: there is no second, hand-kept one). Lists arrive as
 * `Name.member.N`, structures as `Name.Member`, numbers and booleans as text. Members the schema does not
 * have are passed on as they came, so validation refuses them by name.
 */
export function queryInput(form: URLSearchParams, schema: TSchema): Record<string, unknown> {
  return convert(tree(form, new Set(['Action', 'Version'])), schema) as Record<string, unknown>;
}
