import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { operationList } from '@loam/contracts';
import { kebab } from './commands/operation-commands.js';
import { buildProgram } from './program.js';

// docs/cli.md is hand-written. The operation commands are generated from the operation table (and described there
// as a kind), but the workflow commands are not: each one, and each option it has, must be in its "every option"
// list, and the list may name no option the command lacks, so an option added, renamed or removed without the
// docs fails here.

const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
const heading = '## Workflow commands: every option';
const start = doc.indexOf(heading);
const end = doc.indexOf('\n## ', start + 1);
const section = start < 0 ? '' : doc.slice(start, end < 0 ? undefined : end);
/** The list's entries, each a bullet with its continuation lines. */
const bullets = section.split('\n- ').slice(1).map((b) => b.replace(/\s+/g, ' '));

const program = buildProgram();
const operations = new Set(operationList.map((o) => kebab(o.name)));
const globals = new Set(program.options.map((o) => o.long));

/** Every workflow command (subcommands by their full name: `runs get`) with the options that are its own. */
const workflow: [string, string[]][] = program.commands
  .filter((c) => !operations.has(c.name()))
  .flatMap((c) => (c.commands.length ? c.commands.map((s): [string, Command] => [`${c.name()} ${s.name()}`, s]) : [[c.name(), c] as [string, Command]]))
  // Its own: not a hidden copy of a global option (shareGlobalOptions), nor `--json`, which every command has (the Output
  // section says what it prints).
  .map(([name, c]) => [name, c.options.filter((o) => o.long && !o.hidden && o.long !== '--json').map((o) => o.long as string)]);

function bulletsOf(name: string): string[] {
  return bullets.filter((b) => b.includes(`\`loam ${name}\``) || b.includes(`\`loam ${name} `));
}

describe('docs/cli.md lists every workflow command and option', () => {
  it('has the list', () => {
    expect(start, `docs/cli.md has no "${heading}" section`).toBeGreaterThanOrEqual(0);
    expect(workflow.length).toBeGreaterThan(10);
  });

  it.each(workflow)('names loam %s and each of its options', (name, options) => {
    const entries = bulletsOf(name);
    expect(entries, `docs/cli.md's "${heading}" has no entry naming \`loam ${name}\``).not.toHaveLength(0);
    for (const option of options) {
      expect(entries.some((b) => b.includes(`\`${option}`)), `loam ${name} ${option} is not in its docs/cli.md entry`).toBe(true);
    }
  });

  it('names no option a command of its entry lacks', () => {
    const stale: string[] = [];
    for (const b of bullets) {
      const own = workflow.filter(([name]) => b.includes(`\`loam ${name}\``) || b.includes(`\`loam ${name} `)).flatMap(([, o]) => o);
      for (const [flag] of b.matchAll(/--[a-z][a-z-]*/g)) {
        if (!own.includes(flag) && !globals.has(flag)) stale.push(`${flag} in "${b.slice(0, 40)}…"`);
      }
    }
    expect(stale).toEqual([]);
  });
});

describe("README's flags for loam up", () => {
  it('are options of loam up', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const named = /\(`--host`[^)]*\)/.exec(readme)?.[0] ?? '';
    const flags = [...named.matchAll(/--[a-z][a-z-]*/g)].map(([f]) => f);
    const up = program.commands.find((c) => c.name() === 'up');
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !up?.options.some((o) => o.long === f))).toEqual([]);
  });
});
