import { formatCell } from './format.js';
import { labelFor } from './labels.js';

/** One setting of a described resource, ready for a field grid. */
export interface SettingRow {
  /** Dotted path within the object (`DataSource.S3DataSource.S3Uri`), unique, for keys and tests. */
  readonly path: string;
  /** The member's own name as a person reads it (`S3 URI`); a nested object's name is not repeated in it. */
  readonly label: string;
  readonly value: string;
}

const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A nested settings object (a transform job's `TransformInput`, `TransformOutput`, `TransformResources`) as
 * label/value rows, depth first in the API's order: nested objects are flattened (their members labelled by
 * their own names, prefixed with the parent's where two would read the same), arrays of scalars are joined.
 */
export function settingRows(value: Readonly<Record<string, unknown>> | undefined): SettingRow[] {
  const rows: { path: string; name: string; parent: string; value: string }[] = [];
  const walk = (o: Readonly<Record<string, unknown>>, path: string, parent: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined || v === null) continue;
      const p = path ? `${path}.${k}` : k;
      if (plain(v)) walk(v, p, k);
      else rows.push({ path: p, name: k, parent, value: formatCell(v) });
    }
  };
  if (value) walk(value, '', '');
  const twice = new Set(rows.map((r) => r.name).filter((n, i, all) => all.indexOf(n) !== i));
  // `Kms key id` reads `KMS key ID` (labelFor keeps acronyms): only a leading capitalised word is lowered.
  const inner = (name: string) => labelFor(name).replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
  return rows.map((r) => ({ path: r.path, label: twice.has(r.name) && r.parent ? `${labelFor(r.parent)}: ${inner(r.name)}` : labelFor(r.name), value: r.value }));
}
