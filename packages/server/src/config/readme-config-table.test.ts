import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from './schema.js';

// README.md's Configuration table is what users read to write a config file: every section and key the
// schema accepts must be named there, with the schema's defaults, so a key added or a default changed
// without the README fails here.

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
const rows = section.split('\n').filter((l) => l.startsWith('| `'));

/** The table row whose first cell names `key` in backticks. */
function rowOf(key: string): string | undefined {
  return rows.find((r) => (r.split('|')[1] ?? '').includes(`\`${key}\``));
}

/** Each object branch of a section (a backend union has one per `type`). */
function branches(schema: TSchema): Record<string, TSchema>[] {
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as TSchema[]).flatMap(branches);
  return schema['type'] === 'object' ? [schema['properties'] as Record<string, TSchema>] : [];
}

const sections = Object.entries(ConfigSchema.properties as Record<string, TSchema>);

describe('README Configuration table', () => {
  it.each(sections.map(([name]) => name))('has a row for %s', (name) => {
    expect(rowOf(name), `README.md's Configuration table has no row naming \`${name}\``).toBeDefined();
  });

  it.each(sections.filter(([, s]) => branches(s).length > 0))('names every key of %s and its defaults', (name, schema) => {
    const row = rowOf(name) ?? '';
    for (const props of branches(schema)) {
      for (const [key, prop] of Object.entries(props)) {
        if (key === 'type') {
          expect(row, `${name}: backend type ${String(prop['const'])}`).toContain(`type: ${String(prop['const'])}`);
          continue;
        }
        expect(row, `${name}.${key} is not named in its README row`).toMatch(new RegExp(`\\b${key}\\b`));
        const d: unknown = prop['default'];
        if (typeof d === 'number' || (typeof d === 'string' && !prop['path'])) {
          expect(row, `${name}.${key}'s default ${String(d)} is not in its README row`).toContain(String(d));
        }
      }
    }
  });

  it.each(sections.filter(([, s]) => branches(s).length === 0 && s['default'] !== undefined))('gives the default of %s', (name, schema) => {
    expect(rowOf(name)).toContain(String(schema['default']));
  });
});
