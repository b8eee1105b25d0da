import { KindGuard, type TSchema } from '@sinclair/typebox';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Coerces text from an environment variable, a flag or a `${VAR}` substitution to the type the schema
 * expects. Text that does not fit is returned unchanged, so validation rejects it and shows it.
 * - numbers: decimal text (`8080`, `1e3`);
 * - booleans: true/false, 1/0, yes/no, on/off (any case);
 * - string arrays: a JSON array (`["a","b,c"]`) or comma-separated text (`a, b`), empty items dropped.
 */
export function coerce(schema: TSchema, text: string): unknown {
  const trimmed = text.trim();
  if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema)) {
    if (trimmed === '') return text;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : text;
  }
  if (KindGuard.IsBoolean(schema)) {
    const lower = trimmed.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return text;
  }
  if (KindGuard.IsArray(schema)) {
    if (trimmed.startsWith('[')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        return text;
      }
    }
    return trimmed.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  return text;
}
