import { resolve } from 'node:path';
import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox';
import { echo, exactNumber } from '@loam/core';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { coerce } from './coerce.js';
import type { ConfigIssue } from './errors.js';
import { loamOptions } from './schema.js';
import { formatPath, literalChoices, shapeOf } from './shape.js';
import { branch, firstSource, fromPlain, leaf, type Branch, type ConfigSource, type Node } from './tree.js';

export interface Validated {
  readonly value: unknown;
  readonly sources: Record<string, ConfigSource>;
  readonly issues: readonly ConfigIssue[];
}

interface Ctx {
  readonly cwd: string;
  dataDir: string | undefined;
  readonly sources: Record<string, ConfigSource>;
  readonly issues: ConfigIssue[];
}

/**
 * Validates the merged layers against the schema, filling defaults and recording each leaf's source.
 * Walks the whole tree and collects every issue instead of stopping at the first. A backend section is
 * validated by reading `type` first and checking only that branch, so its errors stay about one backend.
 */
export function validate(schema: TSchema, root: Node | undefined, cwd: string): Validated {
  const ctx: Ctx = { cwd, dataDir: undefined, sources: {}, issues: [] };
  const value = walk(schema, root, [], ctx, 'default');
  return { value, sources: ctx.sources, issues: ctx.issues };
}

function walk(schema: TSchema, given: Node | undefined, path: string[], ctx: Ctx, parent: ConfigSource): unknown {
  const node = given ?? ('default' in schema ? fromPlain(schema.default, 'default') : undefined);
  const shape = shapeOf(schema);
  if (shape.kind === 'leaf') return node === undefined ? undefined : checkLeaf(shape.schema, node, path, ctx);
  // An optional map that nobody set stays absent rather than becoming `{}`.
  if (node === undefined && shape.kind === 'record') return undefined;
  const container = node ?? branch(parent);
  if (container.kind === 'leaf') {
    issue(ctx, path, `must be a mapping of keys${got(container.value, schema)}`, container.source);
    return undefined;
  }
  if (shape.kind === 'object') return walkObject(shape.schema, container, path, ctx, '');
  if (shape.kind === 'record') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of container.children) {
      const value = walk(shape.values, child, [...path, key], ctx, container.source);
      if (value !== undefined) out[key] = value;
    }
    if (container.children.size === 0) ctx.sources[formatPath(path)] = container.source;
    return out;
  }
  let typeNode = container.children.get('type');
  if (typeNode === undefined && shape.defaultType !== undefined) typeNode = leaf(shape.defaultType, 'default');
  const type = typeNode?.kind === 'leaf' ? typeNode.value : undefined;
  const chosen = typeof type === 'string' ? shape.branches.get(type) : undefined;
  if (chosen === undefined || typeNode === undefined) {
    const choices = [...shape.branches.keys()].join(', ');
    const shown = typeNode === undefined ? '' : typeNode.kind === 'leaf' ? `; got ${show(typeNode.value)}` : '; got a mapping';
    issue(ctx, [...path, 'type'], `must be one of ${choices}${shown}`, typeNode ? firstSource(typeNode) : container.source);
    return undefined;
  }
  const children = new Map(container.children).set('type', typeNode);
  return walkObject(chosen, branch(container.source, children), path, ctx, ` when ${formatPath([...path, 'type'])} is ${type}`);
}

function walkObject(schema: TObject, node: Branch, path: string[], ctx: Ctx, because: string): unknown {
  const keys = Object.keys(schema.properties);
  for (const [key, child] of node.children) {
    if (!(key in schema.properties)) {
      issue(ctx, [...path, key], `is not a known key${because}; valid keys are ${keys.join(', ')}`, firstSource(child));
    }
  }
  const required = new Set(schema.required ?? []);
  const out: Record<string, unknown> = {};
  // Properties are walked in schema order: `dataDir` comes first so later paths can resolve against it.
  for (const key of keys) {
    const child = node.children.get(key);
    const value = walk(schema.properties[key]!, child, [...path, key], ctx, node.source);
    if (value !== undefined) out[key] = value;
    else if (child === undefined && required.has(key)) issue(ctx, [...path, key], `is required${because}`, node.source);
  }
  return out;
}

function checkLeaf(schema: TSchema, node: Node, path: string[], ctx: Ctx): unknown {
  if (node.kind === 'branch') {
    issue(ctx, path, `must be ${expected(schema)}; got a mapping`, firstSource(node));
    return undefined;
  }
  if (node.failed) return undefined;
  const value = node.coerce && typeof node.value === 'string' ? coerce(schema, node.value) : node.value;
  if (!Value.Check(schema, value)) {
    const hint = typeof value === 'number' && KindGuard.IsString(schema) && node.source.startsWith('file ') ? ' (quote it in the file)' : '';
    issue(ctx, path, `${describe(schema, Value.Errors(schema, value).First())}${got(value, schema)}${hint}`, node.source);
    return undefined;
  }
  const out = typeof value === 'string' ? resolvePath(schema, value, path, ctx) : structuredClone(value);
  ctx.sources[formatPath(path)] = node.source;
  return out;
}

function resolvePath(schema: TSchema, value: string, path: string[], ctx: Ctx): string {
  const base = loamOptions(schema).path;
  if (base === undefined || value === ':memory:') return value;
  const absolute = resolve(base === 'dataDir' ? (ctx.dataDir ?? ctx.cwd) : ctx.cwd, value);
  if (path.length === 1 && path[0] === 'dataDir') ctx.dataDir = absolute;
  return absolute;
}

function expected(schema: TSchema): string {
  const choices = literalChoices(schema);
  if (choices) return `one of ${choices.join(', ')}`;
  if (loamOptions(schema).mustBe) return loamOptions(schema).mustBe!;
  if (KindGuard.IsInteger(schema)) return 'an integer';
  if (KindGuard.IsNumber(schema)) return 'a number';
  if (KindGuard.IsBoolean(schema)) return 'true or false';
  if (KindGuard.IsArray(schema)) return 'a list';
  return 'a string';
}

function describe(schema: TSchema, error: ValueError | undefined): string {
  if (error === undefined || literalChoices(schema)) return `must be ${expected(schema)}`;
  const at = error.path === '' ? '' : ` (item ${error.path.slice(1).replace(/\//g, '.')})`;
  const s = error.schema as Record<string, unknown>;
  if (loamOptions(error.schema).mustBe) return `must be ${loamOptions(error.schema).mustBe}${at}`;
  switch (error.type) {
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${typeof s['maximum'] === 'number' ? exactNumber(s['maximum']) : String(s['maximum'])}${at}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${typeof s['minimum'] === 'number' ? exactNumber(s['minimum']) : String(s['minimum'])}${at}`;
    case ValueErrorType.StringMinLength:
      return s['minLength'] === 1 ? `must not be empty${at}` : `must be at least ${String(s['minLength'])} characters${at}`;
    case ValueErrorType.StringPattern:
      return `must match ${String(s['pattern'])}${at}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(s['minItems'])} item(s)`;
    default:
      return `must be ${expected(error.schema)}${at}`;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${echo(value).replace(/'/g, "\\'")}'` : value === undefined ? 'undefined' : echo(value);
}

// A secret's value is never shown, not even when it is invalid.
function got(value: unknown, schema: TSchema): string {
  return loamOptions(schema).secret ? '' : `; got ${show(value)}`;
}

function issue(ctx: Ctx, path: string[], message: string, source: ConfigSource): void {
  ctx.issues.push({ path: formatPath(path), message, source });
}
