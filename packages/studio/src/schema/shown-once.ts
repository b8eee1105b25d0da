import type { JsonSchema } from './fields.js';
import { labelFor } from './labels.js';

export interface OnceRow {
  readonly label: string;
  readonly value: string;
  readonly secret: boolean;
}

const isOnce = (s: JsonSchema): boolean => /^Shown once/i.test(s.description ?? '');

/**
 * Values an operation returns only once (a new access key's secret, a new API token), found by the
 * output schema's "Shown once" description, with the identifying fields beside them. Empty when the
 * output has none — then there is nothing the user must copy before closing.
 */
export function shownOnce(output: JsonSchema, value: unknown): OnceRow[] {
  const props = output.properties ?? {};
  const v = (value ?? {}) as Record<string, unknown>;
  const own = Object.entries(props).filter(([, s]) => isOnce(s));
  if (own.length > 0) {
    return Object.entries(props)
      .filter(([k, s]) => s.type === 'string' && typeof v[k] === 'string')
      .map(([k, s]) => ({ label: labelFor(k), value: v[k] as string, secret: isOnce(s) }));
  }
  for (const [k, s] of Object.entries(props)) {
    if (s.type === 'object') {
      const rows = shownOnce(s, v[k]);
      if (rows.length > 0) return rows;
    }
  }
  return [];
}
