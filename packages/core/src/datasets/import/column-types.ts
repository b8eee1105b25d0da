import { echo } from '../../kernel/echo.js';
import { ValidationError } from '../../kernel/errors.js';
import { columnTypes } from '../../ports/data-engine.js';

/**
 * ColumnTypes overrides, checked before the engine sees them: each type must be one of the engine's
 * {@link columnTypes} (any case; returned in its canonical spelling). A type reaches the engine's SQL
 * (`CAST(col AS <type>)`), so anything else — a typo or a piece of SQL — is refused here, naming the
 * column.
 * @throws ValidationException at `/ColumnTypes/<column>`.
 */
export function checkColumnTypes(types: Readonly<Record<string, unknown>> | undefined): Record<string, string> | undefined {
  if (types === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [column, type] of Object.entries(types)) {
    const canonical = typeof type === 'string' ? columnTypes.find((t) => t === type.trim().toUpperCase()) : undefined;
    if (!canonical) {
      const shown = typeof type === 'string' ? `'${echo(type)}'` : echo(type);
      throw new ValidationError(`ColumnTypes: the type ${shown} of column '${column}' is not one of ${columnTypes.join(', ')}.`, [{ path: `/ColumnTypes/${column}`, message: `one of ${columnTypes.join(', ')}` }]);
    }
    out[column] = canonical;
  }
  return out;
}

/**
 * Every column ColumnTypes names must be one of the file's; an override of a column that is not there
 * (a typo, a header that differs) would otherwise be ignored without a word.
 * @throws ValidationException at `/ColumnTypes/<column>` listing the file's columns.
 */
export function checkColumnTypeNames(types: Readonly<Record<string, string>> | undefined, columns: readonly string[]): void {
  const unknown = Object.keys(types ?? {}).filter((c) => !columns.includes(c));
  if (unknown.length === 0) return;
  const list = columns.length > 20 ? `${columns.slice(0, 20).join(', ')}, …` : columns.join(', ');
  throw new ValidationError(
    `ColumnTypes names ${unknown.length === 1 ? 'a column' : 'columns'} the file does not have: ${unknown.map((c) => `'${c}'`).join(', ')}; its columns are ${list}.`,
    unknown.map((c) => ({ path: `/ColumnTypes/${c}`, message: 'no such column' })),
  );
}
