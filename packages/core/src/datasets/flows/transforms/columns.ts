import { q, S, str, strs, oneOf, type TransformDef } from './transform.js';

const castTypes = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'VARCHAR', 'DATE', 'TIMESTAMP'] as const;

/** Manage columns: drop, select, rename, duplicate, reorder, cast. */
export const columnTransforms: TransformDef[] = [
  {
    name: 'drop_columns', group: 'Manage columns', summary: 'Removes columns.', inputs: 1, params: S.obj({ columns: S.cols() }, ['columns']),
    compile: (c) => `SELECT * EXCLUDE (${strs(c, 'columns').map(q).join(', ')}) FROM ${c.inputs[0]}`,
  },
  {
    name: 'select_columns', group: 'Manage columns', summary: 'Keeps only these columns, in this order.', inputs: 1, params: S.obj({ columns: S.cols() }, ['columns']),
    compile: (c) => `SELECT ${strs(c, 'columns').map(q).join(', ')} FROM ${c.inputs[0]}`,
  },
  {
    name: 'rename_column', group: 'Manage columns', summary: 'Renames a column.', inputs: 1, params: S.obj({ column: S.col(), to: S.col('New name') }, ['column', 'to']),
    compile: (c) => `SELECT * RENAME (${q(str(c, 'column'))} AS ${q(str(c, 'to'))}) FROM ${c.inputs[0]}`,
  },
  {
    name: 'duplicate_column', group: 'Manage columns', summary: 'Copies a column under a new name.', inputs: 1, params: S.obj({ column: S.col(), to: S.col('Name of the copy') }, ['column', 'to']),
    compile: (c) => `SELECT *, ${q(str(c, 'column'))} AS ${q(str(c, 'to'))} FROM ${c.inputs[0]}`,
  },
  {
    name: 'reorder_columns', group: 'Manage columns', summary: 'Moves these columns to the front, in this order (a label first, as built-in algorithms want).', inputs: 1,
    params: S.obj({ columns: S.cols() }, ['columns']),
    compile: (c) => {
      const cols = strs(c, 'columns').map(q).join(', ');
      return `SELECT ${cols}, * EXCLUDE (${cols}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'cast_column', group: 'Manage columns', summary: 'Changes a column’s type; values that do not convert become null (or fail the run).', inputs: 1,
    params: S.obj({ column: S.col(), type: S.enum(castTypes, 'Target type'), onError: S.enum(['null', 'fail'], 'What an unconvertible value does', 'null') }, ['column', 'type']),
    compile: (c) => {
      const col = q(str(c, 'column'));
      const fn = oneOf(c, 'onError', ['null', 'fail'], 'null') === 'null' ? 'TRY_CAST' : 'CAST';
      return `SELECT * REPLACE (${fn}(${col} AS ${oneOf(c, 'type', castTypes)}) AS ${col}) FROM ${c.inputs[0]}`;
    },
  },
];
