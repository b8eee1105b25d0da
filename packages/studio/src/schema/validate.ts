import { entryNoun, literalChoices, type FieldSpec, type JsonSchema } from './fields.js';
import { explainPattern } from './patterns.js';

export interface TagRow {
  Key: string;
  Value: string;
}

/** What a generated form holds for one field before it becomes operation input. */
export type FormValue = string | boolean | TagRow[] | string[];
export type FormValues = Record<string, FormValue>;

function isEmpty(v: FormValue | undefined): boolean {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Checks one string against its schema's rules; the message says what is wrong and what to do. */
export function checkString(s: JsonSchema, v: string): string | undefined {
  const n = [...v].length;
  if (s.minLength !== undefined && n < s.minLength) return s.minLength === 1 ? 'This can’t be empty.' : `Too short: ${n} character${n === 1 ? '' : 's'}; use at least ${s.minLength}.`;
  if (s.maxLength !== undefined && n > s.maxLength) return `Too long: ${n} characters; use at most ${s.maxLength}.`;
  if (s.pattern) return explainPattern(s.pattern, v);
  const choices = literalChoices(s);
  if (choices && !choices.includes(v)) return `Pick one of: ${choices.join(', ')}.`;
  return undefined;
}

function checkNumber(s: JsonSchema, raw: string, integer: boolean): string | undefined {
  const t = raw.trim();
  const x = Number(t);
  if (t === '' || !Number.isFinite(x)) return integer ? 'Enter a whole number.' : 'Enter a number.';
  if (integer && !Number.isInteger(x)) return 'Enter a whole number, without decimals.';
  const { minimum: lo, maximum: hi } = s;
  if ((lo !== undefined && x < lo) || (hi !== undefined && x > hi)) {
    if (lo !== undefined && hi !== undefined) return `Enter a number from ${lo} to ${hi}.`;
    return lo !== undefined ? `Enter ${lo} or more.` : `Enter ${hi} or less.`;
  }
  return undefined;
}

function checkCount(s: JsonSchema, n: number, noun: string): string | undefined {
  if (s.minItems !== undefined && n < s.minItems) return `Add at least ${s.minItems} ${noun}${s.minItems === 1 ? '' : 's'}.`;
  if (s.maxItems !== undefined && n > s.maxItems) return `At most ${s.maxItems} ${noun}s are allowed; remove ${n - s.maxItems}.`;
  return undefined;
}

function checkTags(f: FieldSpec, rows: TagRow[]): string | undefined {
  const used = rows.filter((r) => r.Key !== '' || r.Value !== '');
  const noun = entryNoun(f);
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const count = checkCount(f.schema, used.length, noun);
  if (count) return count;
  const keys = new Set<string>();
  const props = f.item?.properties ?? {};
  for (const [i, r] of used.entries()) {
    if (r.Key === '') return `${Noun} ${i + 1}: enter a key (or clear the value to drop the row).`;
    if (keys.has(r.Key)) return `${Noun} ${i + 1}: the key “${r.Key}” is used twice; each key can appear once.`;
    keys.add(r.Key);
    const k = props.Key ? checkString(props.Key, r.Key) : undefined;
    if (k) return `${Noun} ${i + 1} key: ${k}`;
    const v = props.Value ? checkString(props.Value, r.Value) : undefined;
    if (v) return `${Noun} ${i + 1} value: ${v}`;
  }
  return undefined;
}

/** The first problem with one field's value, in words a user can act on, or undefined when it is fine. */
export function validateField(f: FieldSpec, v: FormValue | undefined): string | undefined {
  if (isEmpty(v) || (f.kind === 'tags' && (v as TagRow[]).every((r) => r.Key === '' && r.Value === ''))) {
    return f.required && f.kind !== 'boolean' ? `Required: enter ${f.kind === 'choice' ? 'or pick ' : ''}a value for ${f.label.toLowerCase()}.` : undefined;
  }
  switch (f.kind) {
    case 'text':
    case 'longtext':
    case 'choice':
      return checkString(f.schema, String(v));
    case 'integer':
    case 'number':
      return checkNumber(f.schema, String(v), f.kind === 'integer');
    case 'tags':
      return checkTags(f, v as TagRow[]);
    case 'list': {
      const items = v as string[];
      const count = checkCount(f.schema, items.length, 'item');
      if (count) return count;
      for (const it of items) {
        const m = f.item ? checkString(f.item, it) : undefined;
        if (m) return `“${it}”: ${m}`;
      }
      return undefined;
    }
    case 'json':
      try {
        JSON.parse(String(v));
        return undefined;
      } catch (e) {
        return `This isn’t valid JSON: ${(e as Error).message}.`;
      }
    default:
      return undefined;
  }
}

/** Every field's problem, by field name; empty when the form can be sent. */
export function validateForm(fields: readonly FieldSpec[], values: FormValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const m = validateField(f, values[f.name]);
    if (m) out[f.name] = m;
  }
  return out;
}

/** The operation input a valid form stands for: empty optional fields left out, numbers as numbers. */
export function toInput(fields: readonly FieldSpec[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (isEmpty(v)) continue;
    switch (f.kind) {
      case 'integer':
      case 'number':
        out[f.name] = Number(String(v).trim());
        break;
      case 'tags': {
        const rows = (v as TagRow[]).filter((r) => r.Key !== '' || r.Value !== '');
        if (rows.length > 0 || f.required) out[f.name] = rows.map((r) => ({ Key: r.Key, Value: r.Value }));
        break;
      }
      case 'json':
        out[f.name] = JSON.parse(String(v));
        break;
      default:
        out[f.name] = v;
    }
  }
  return out;
}

/** A blank form: booleans false, tags one empty row, everything else empty. */
export function emptyValues(fields: readonly FieldSpec[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) out[f.name] = f.kind === 'boolean' ? false : f.kind === 'tags' ? [] : f.kind === 'list' ? [] : '';
  return out;
}
