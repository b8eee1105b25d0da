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

type Props = Record<string, { type?: string; description?: string; anyOf?: unknown[] }>;

function parseValue(raw: string, schema: { type?: string }, flag: string): unknown {
  if (schema.type === 'integer') return wholeNumber(raw, flag, { min: -Infinity });
  if (schema.type === 'number') return decimal(raw, flag);
  if (schema.type === 'boolean') return raw === 'true' || raw === '';
  if (schema.type === 'array' || schema.type === 'object') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return schema.type === 'array' ? raw.split(',') : raw;
    }
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
      const desc = `${schema.description ?? name}${required.has(name) ? ' (required)' : ''}`;
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
