import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { operationList, type Operation } from '@loam/contracts';
import { createLoamClient } from '@loam/sdk';
import { printError, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { decimal, InputError, wholeNumber } from '../flags.js';

/** `CreateUser` → `create-user`, `UserName` → `user-name`, as the aws CLI spells them. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

function camel(kebabName: string): string {
  return kebabName.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

interface PropSchema {
  type?: string;
  description?: string;
  anyOf?: { const?: unknown }[];
  items?: PropSchema;
}
type Props = Record<string, PropSchema>;

/** The values of an enum (TypeBox writes a union of literals as anyOf of consts), or undefined. */
function choices(schema: PropSchema | undefined): string[] | undefined {
  const consts = schema?.anyOf?.map((x) => x.const);
  return consts && consts.length && consts.every((c) => typeof c === 'string') ? (consts as string[]) : undefined;
}

/** What a flag's value looks like, for --help: the choices, or how a list, an object or a boolean is written. */
export function valueHint(schema: PropSchema): string | undefined {
  const oneOf = choices(schema);
  if (oneOf) return `one of ${oneOf.join(', ')}`;
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'object') return 'JSON object';
  if (schema.type === 'array') {
    const items = choices(schema.items);
    if (items) return `comma-separated list of ${items.join(', ')}, or a JSON array`;
    return schema.items?.type === 'object' || schema.items?.type === 'array' ? 'JSON array' : 'comma-separated list, or a JSON array';
  }
  return undefined;
}

function parseJson(raw: string, flag: string, what: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new InputError(`${flag} must be ${what} in JSON, got '${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}' (${(e as Error).message})`);
  }
}

function parseValue(raw: string, schema: PropSchema, flag: string): unknown {
  if (schema.type === 'integer') return wholeNumber(raw, flag, { min: -Infinity });
  if (schema.type === 'number') return decimal(raw, flag);
  if (schema.type === 'boolean') {
    const b = raw.trim().toLowerCase();
    if (b === 'true' || b === '') return true;
    if (b === 'false') return false;
    throw new InputError(`${flag} must be true or false, got '${raw}'`);
  }
  if (schema.type === 'object') return parseJson(raw, flag, 'an object');
  if (schema.type === 'array') {
    if (raw.trimStart().startsWith('[')) return parseJson(raw, flag, 'an array');
    if (schema.items?.type === 'object' || schema.items?.type === 'array') return parseJson(raw, flag, 'an array');
    return raw.split(',');
  }
  return raw;
}

function readJsonArg(v: string): Record<string, unknown> {
  const text = v.startsWith('file://') ? readFileSync(v.slice(7), 'utf8') : v;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`--cli-input-json is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * One command per operation in the table, named and flagged as the aws CLI would (`loam create-user
 * --user-name ana`), plus `--cli-input-json` for the whole input. Nothing here is kept by hand: a new
 * operation is a new command.
 */
export function registerOperationCommands(program: Command, ops: readonly Operation[] = operationList): void {
  for (const op of ops) {
    const props = ((op.input as unknown as { properties?: Props }).properties ?? {}) as Props;
    const required = new Set((op.input as unknown as { required?: string[] }).required ?? []);
    const cmd = program.command(kebab(op.name)).description(`${op.summary} (${op.name})`);
    for (const [name, schema] of Object.entries(props)) {
      const flag = `--${kebab(name)} <value>`;
      const hint = valueHint(schema);
      const desc = `${schema.description ?? name}${hint ? ` (${hint})` : ''}${required.has(name) ? ' (required)' : ''}`;
      cmd.option(flag, desc);
    }
    cmd.option('--cli-input-json <json>', 'the whole input as JSON, or file://path');
    cmd.option('--json', 'print the result as JSON');
    cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(opts.json ?? global.json);
      try {
        const input: Record<string, unknown> = typeof opts.cliInputJson === 'string' ? readJsonArg(opts.cliInputJson) : {};
        for (const [name, schema] of Object.entries(props)) {
          const v = opts[camel(kebab(name))];
          if (typeof v === 'string') input[name] = parseValue(v, schema, `--${kebab(name)}`);
        }
        const missing = [...required].filter((name) => input[name] === undefined);
        if (missing.length) {
          throw new InputError(`${missing.length === 1 ? 'Missing required option' : 'Missing required options'} ${missing.map((name) => `--${kebab(name)} (${name})`).join(', ')}; or give ${missing.length === 1 ? 'it' : 'them'} in --cli-input-json.`);
        }
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        printResult(await client.call(op.name, input), json);
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
  }
}
