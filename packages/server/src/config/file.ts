import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigIssue } from './errors.js';
import { formatPath } from './shape.js';
import { substitute } from './substitute.js';
import { branch, leaf, type Branch, type ConfigSource, type Node } from './tree.js';

export interface FileLayer {
  /** Absolute path of the file. */
  readonly path: string;
  readonly tree: Branch | undefined;
  readonly issues: readonly ConfigIssue[];
}

// V8 quotes the offending text in some JSON.parse errors; that text may hold a secret, so it is cut
// and the position is given as a line and column instead.
function jsonError(text: string, message: string): string {
  const cut = message.replace(/, .*is not valid JSON$/s, '');
  return cut.replace(/ at position (\d+)$/, (_, pos: string) => {
    const before = text.slice(0, Number(pos));
    const line = before.split('\n').length;
    return ` at line ${line}, column ${Number(pos) - before.lastIndexOf('\n')}`;
  });
}

type Parsed = { ok: true; value: unknown } | { ok: false; messages: string[] };

function parseText(text: string, file: string): Parsed {
  const ext = extname(file).toLowerCase();
  const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && text.trimStart().startsWith('{'));
  if (json) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, messages: [`is not valid JSON: ${jsonError(text, (err as Error).message)}`] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { ok: false, messages: doc.errors.map((e) => `is not valid YAML: ${e.message.split('\n')[0]}`) };
  }
  return { ok: true, value: doc.toJS() as unknown };
}

function build(value: unknown, path: string[], source: ConfigSource, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Node | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const result = substitute(value, env);
    if (result.missing.length > 0) {
      const vars = result.missing.join(', ');
      issues.push({ path: formatPath(path), message: `uses \${${result.missing[0]}} but ${vars} ${result.missing.length > 1 ? 'are' : 'is'} not set and has no default`, source });
      return { ...leaf(value, source), failed: true };
    }
    return leaf(result.value, source, result.substituted);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    let failed = false;
    value.forEach((item, i) => {
      const node = build(item, [...path, String(i)], source, env, issues);
      if (node?.kind === 'leaf' && node.failed) failed = true;
      items.push(node?.kind === 'leaf' ? node.value : item);
    });
    return failed ? { ...leaf(items, source), failed } : leaf(items, source);
  }
  if (typeof value === 'object') {
    const children = new Map<string, Node>();
    for (const [key, child] of Object.entries(value)) {
      const node = build(child, [...path, key], source, env, issues);
      if (node) children.set(key, node);
    }
    return branch(source, children);
  }
  return leaf(value, source);
}

/**
 * Reads a YAML or JSON config file (by extension; otherwise JSON when the text starts with `{`) and
 * substitutes `${VAR}` / `${VAR:-default}` from `env` in its string values, after parsing, so a value
 * can never change the document's structure.
 */
export function fileLayer(file: string, cwd: string, env: NodeJS.ProcessEnv): FileLayer {
  const path = resolve(cwd, file);
  const source: ConfigSource = `file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    return { path, tree: undefined, issues: [{ path: '', message: `config file ${why}`, source }] };
  }
  const parsed = parseText(text, path);
  if (!parsed.ok) {
    return { path, tree: undefined, issues: parsed.messages.map((m) => ({ path: '', message: `config file ${m}`, source })) };
  }
  if (parsed.value === null || parsed.value === undefined) return { path, tree: branch(source), issues: [] };
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { path, tree: undefined, issues: [{ path: '', message: 'config file must hold a mapping of keys at the top level', source }] };
  }
  const issues: ConfigIssue[] = [];
  const tree = build(parsed.value, [], source, env, issues) as Branch;
  return { path, tree, issues };
}
