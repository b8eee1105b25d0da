import { echo } from '../kernel/echo.js';
import { ValidationError } from '../kernel/errors.js';

/*
 * The tokens of MLflow's search grammar: `metrics.rmse < 0.5 AND params.lr = '0.01'`,
 * `tags."mlflow.runName" ILIKE '%best%'`, `attributes.run_id IN ('a', 'b')`.
 */

export type Token =
  | { readonly t: 'ident'; readonly entity: string | undefined; readonly key: string; readonly text: string }
  | { readonly t: 'string'; readonly value: string; readonly text: string }
  | { readonly t: 'number'; readonly value: number; readonly text: string }
  | { readonly t: 'op'; readonly value: string; readonly text: string }
  | { readonly t: 'word'; readonly value: string; readonly text: string }
  | { readonly t: 'punct'; readonly value: '(' | ')' | ','; readonly text: string };

/** The error every malformed filter or order_by raises (INVALID_PARAMETER_VALUE over MLflow's API). */
export function invalidSearch(what: string, input: string, reason: string): ValidationError {
  return new ValidationError(`Invalid ${what} '${echo(input)}': ${reason}`, [{ path: `/${what}`, message: reason }]);
}

const KEYWORDS = new Set(['AND', 'OR', 'LIKE', 'ILIKE', 'IN', 'NOT', 'ASC', 'DESC']);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][\w]*/;
const BARE_KEY = /^[\w.\-/:]+/;

function quoted(s: string, i: number, q: string, what: string, input: string): [string, number] {
  const end = s.indexOf(q, i + 1);
  if (end < 0) throw invalidSearch(what, input, `unterminated ${q} quote`);
  return [s.slice(i + 1, end), end + 1];
}

/** Splits a filter or order_by string into tokens; throws on characters the grammar has no use for. */
export function lex(input: string, what: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const s = input;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      const [value, next] = quoted(s, i, c, what, input);
      i = next;
      out.push({ t: 'string', value, text: s.slice(start, i) });
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      i++;
      out.push({ t: 'punct', value: c, text: c });
      continue;
    }
    const op = /^(>=|<=|!=|<>|=|<|>)/.exec(s.slice(i));
    if (op) {
      i += op[0].length;
      if (op[0] === '<>') throw invalidSearch(what, input, "'<>' is not a comparator; use '!='");
      out.push({ t: 'op', value: op[0], text: op[0] });
      continue;
    }
    const num = NUMBER.exec(s.slice(i));
    if (num && (c !== '+' && c !== '-' ? true : /[\d.]/.test(s[i + 1] ?? ''))) {
      i += num[0].length;
      out.push({ t: 'number', value: Number(num[0]), text: num[0] });
      continue;
    }
    // An identifier: `entity.key`, either part in backticks, the key also in double quotes.
    let entity: string | undefined;
    let head: string;
    if (c === '`') {
      [head, i] = quoted(s, i, '`', what, input);
    } else {
      const w = WORD.exec(s.slice(i));
      if (!w) throw invalidSearch(what, input, `unexpected character '${c}' at position ${i}`);
      head = w[0];
      i += head.length;
    }
    if (s[i] === '.' && c !== "'" ) {
      entity = head;
      i++;
      const k = s[i];
      let key: string;
      if (k === '`' || k === '"' || k === "'") [key, i] = quoted(s, i, k, what, input);
      else {
        const b = BARE_KEY.exec(s.slice(i));
        if (!b) throw invalidSearch(what, input, `expected a key after '${entity}.'`);
        key = b[0];
        i += key.length;
      }
      out.push({ t: 'ident', entity, key, text: s.slice(start, i) });
      continue;
    }
    if (c !== '`' && KEYWORDS.has(head.toUpperCase())) {
      out.push({ t: 'word', value: head.toUpperCase(), text: head });
      continue;
    }
    out.push({ t: 'ident', entity: undefined, key: head, text: s.slice(start, i) });
  }
  return out;
}
