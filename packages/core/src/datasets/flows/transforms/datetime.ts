import { lit, q, S, str, type TransformDef } from './transform.js';

const parts = { year: 'year', month: 'month', day: 'day', dayofweek: 'isodow', dayofyear: 'dayofyear', weekofyear: 'weekofyear', quarter: 'quarter', hour: 'hour', minute: 'minute', second: 'second' } as const;
type Part = keyof typeof parts;

/** Date/time: parse, featurize. */
export const datetimeTransforms: TransformDef[] = [
  {
    name: 'parse_datetime', group: 'Featurize date/time', summary: 'Parses text into a timestamp with a strptime format (invalid values become null).', inputs: 1,
    params: S.obj({ column: S.col(), format: S.str('strptime format, e.g. %d/%m/%Y %H:%M', '%Y-%m-%d %H:%M:%S') }, ['column']),
    compile: (c) => {
      const x = q(str(c, 'column'));
      return `SELECT * REPLACE (try_strptime(${x}::VARCHAR, ${lit(str(c, 'format', '%Y-%m-%d %H:%M:%S'))}) AS ${x}) FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'datetime_features', group: 'Featurize date/time', summary: 'Adds <column>_<part> columns: year, month, day, dayofweek (1 = Monday), dayofyear, weekofyear, quarter, hour, minute, second, epoch.', inputs: 1,
    params: S.obj({ column: S.col(), features: { type: 'array', items: { type: 'string', enum: [...Object.keys(parts), 'epoch'] }, default: ['year', 'month', 'day', 'dayofweek'] } }, ['column']),
    compile: (c) => {
      const col = str(c, 'column');
      const x = `${q(col)}::TIMESTAMP`;
      const want = Array.isArray(c.params['features']) ? (c.params['features'] as string[]) : ['year', 'month', 'day', 'dayofweek'];
      const outs = want.map((f) => {
        if (f === 'epoch') return `epoch(${x}) AS ${q(`${col}_epoch`)}`;
        const p = parts[f as Part];
        if (!p) throw new Error(`unknown feature '${f}'`);
        return `${p}(${x}) AS ${q(`${col}_${f}`)}`;
      });
      return `SELECT *, ${outs.join(', ')} FROM ${c.inputs[0]}`;
    },
  },
  {
    name: 'date_diff', group: 'Featurize date/time', summary: 'Adds the difference end − start in a unit (day, hour, minute, second).', inputs: 1,
    params: S.obj({ start: S.col('Start column'), end: S.col('End column'), unit: S.enum(['day', 'hour', 'minute', 'second'], 'Unit', 'day'), to: S.col('Output column') }, ['start', 'end', 'to']),
    compile: (c) => {
      const unit = String(c.params['unit'] ?? 'day');
      if (!['day', 'hour', 'minute', 'second'].includes(unit)) throw new Error(`unknown unit '${unit}'`);
      return `SELECT *, date_diff('${unit}', ${q(str(c, 'start'))}::TIMESTAMP, ${q(str(c, 'end'))}::TIMESTAMP) AS ${q(str(c, 'to'))} FROM ${c.inputs[0]}`;
    },
  },
];
