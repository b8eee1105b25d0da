import { lit, num, optStr, q, replaceEach, S, str, strs, type TransformDef } from './transform.js';

const colsParam = S.obj({ columns: S.cols() }, ['columns']);

/** Text: case, trim, regular expressions, split, length. */
export const textTransforms: TransformDef[] = [
  { name: 'lower_case', group: 'Format string', summary: 'Lower-cases text.', inputs: 1, params: colsParam, compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `lower(${x})`) },
  { name: 'upper_case', group: 'Format string', summary: 'Upper-cases text.', inputs: 1, params: colsParam, compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `upper(${x})`) },
  { name: 'trim', group: 'Format string', summary: 'Removes leading and trailing spaces.', inputs: 1, params: colsParam, compile: (c) => replaceEach(c, strs(c, 'columns'), (x) => `trim(${x})`) },
  {
    name: 'regex_extract', group: 'Search and edit', summary: 'Extracts the first match of a regular expression (or one of its groups) into a column.', inputs: 1,
    params: S.obj({ column: S.col(), pattern: S.str('RE2 pattern'), group: S.num('Capture group (0: whole match)', 0), to: S.col('Output column (default: replace)') }, ['column', 'pattern']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      const e = `nullif(regexp_extract(${x}, ${lit(str(c, 'pattern'))}, ${num(c, 'group', 0, { integer: true, min: 0, max: 9 })}), '')`;
      const to = optStr(c, 'to');
      return to ? `SELECT *, ${e} AS ${q(to)} FROM ${c.inputs[0]}` : `SELECT * REPLACE (${e} AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'regex_replace', group: 'Search and edit', summary: 'Replaces every match of a regular expression.', inputs: 1,
    params: S.obj({ column: S.col(), pattern: S.str('RE2 pattern'), replacement: S.str('Replacement (\\1 for a group)', '') }, ['column', 'pattern']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      const rep = typeof c.params['replacement'] === 'string' ? (c.params['replacement'] as string) : '';
      return `SELECT * REPLACE (regexp_replace(${x}, ${lit(str(c, 'pattern'))}, ${lit(rep)}, 'g') AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'split_string', group: 'Format string', summary: 'Splits text on a delimiter into columns <column>_1 … <column>_n.', inputs: 1,
    params: S.obj({ column: S.col(), delimiter: S.str('Delimiter', ','), parts: S.num('Number of output columns', 2) }, ['column']),
    compile: (c) => {
      const col = str(c, 'column');
      const n = num(c, 'parts', 2, { integer: true, min: 1, max: 50 });
      const d = lit(str(c, 'delimiter', ','));
      const outs = Array.from({ length: n }, (_, i) => `string_split(${q(col)}, ${d})[${i + 1}] AS ${q(`${col}_${i + 1}`)}`);
      return `SELECT *, ${outs.join(', ')} FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'string_length', group: 'Format string', summary: 'Adds the length in characters of a text column.', inputs: 1,
    params: S.obj({ column: S.col(), to: S.col('Output column') }, ['column', 'to']),
    compile: (c) => `SELECT *, length(${q(str(c, 'column'))}) AS ${q(str(c, 'to'))} FROM ${c.inputs[0]}`,
  },
  {
    name: 'replace_value', group: 'Search and edit', summary: 'Replaces one exact value by another.', inputs: 1,
    params: S.obj({ column: S.col(), from: S.any('Value to replace'), to: S.any('Replacement') }, ['column', 'from', 'to']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      const v = (k: string) => {
        const p = c.params[k];
        return typeof p === 'number' ? String(p) : p === null ? 'NULL' : lit(String(p));
      };
      return `SELECT * REPLACE (CASE WHEN ${x} = ${v('from')} THEN ${v('to')} ELSE ${x} END AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
];
