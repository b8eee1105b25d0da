import { labelFor } from './labels.js';

/** The JSON Schema subset TypeBox emits for operation inputs and outputs. */
export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly description?: string;
  readonly default?: unknown;
}

/** How a form shows one input member. */
export type FieldKind = 'text' | 'longtext' | 'integer' | 'number' | 'boolean' | 'choice' | 'tags' | 'list' | 'json';

/** One input member, described for a generated form: what to render and which rules to check. */
export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly schema: JsonSchema;
  readonly description?: string;
  /** For `choice`: the literal values allowed. */
  readonly choices?: readonly string[];
  /** For `list` and `tags`: the schema of one item. */
  readonly item?: JsonSchema;
}

/** The literal string values of a union of literals (`Type.Union([Type.Literal('A'), …])`) or an enum. */
export function literalChoices(s: JsonSchema): string[] | undefined {
  if (s.enum && s.enum.every((v) => typeof v === 'string')) return s.enum as string[];
  if (s.anyOf && s.anyOf.length > 0 && s.anyOf.every((a) => typeof a.const === 'string')) return s.anyOf.map((a) => a.const as string);
  return undefined;
}

/** An array of `{Key, Value}` objects: SageMaker's tag list. */
export function isTagList(s: JsonSchema): boolean {
  const p = s.type === 'array' ? s.items?.properties : undefined;
  return Boolean(p && p.Key && p.Value && Object.keys(p).length === 2);
}

const entryNouns: Readonly<Record<string, string>> = { Tags: 'tag', HyperParameters: 'hyperparameter', StaticHyperParameters: 'hyperparameter', Environment: 'environment variable' };

/**
 * What one row of a key–value field is called (`Tags` → `tag`, `HyperParameters` → `hyperparameter`,
 * `Environment` → `environment variable`), in lower case; the field's name may be a dotted path.
 */
export function entryNoun(f: Pick<FieldSpec, 'name' | 'label'>): string {
  const member = f.name.split('.').pop() ?? f.name;
  const known = entryNouns[member];
  if (known) return known;
  const words = f.label.toLowerCase();
  return words.endsWith('ies') ? `${words.slice(0, -3)}y` : words.replace(/s$/, '');
}

/** Strings longer than this get a multi-line box (policy documents, descriptions). */
const longTextFrom = 512;

function kindOf(s: JsonSchema): FieldKind {
  if (literalChoices(s)) return 'choice';
  if (s.type === 'integer') return 'integer';
  if (s.type === 'number') return 'number';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'string') return (s.maxLength ?? 0) >= longTextFrom ? 'longtext' : 'text';
  if (isTagList(s)) return 'tags';
  if (s.type === 'array' && s.items && (s.items.type === 'string' || literalChoices(s.items))) return 'list';
  return 'json';
}

/**
 * The fields of an operation's input object, in declaration order. Members a caller never types
 * (page tokens) are left out; `omit` removes more (e.g. a field the page fixes).
 */
export function fieldsOf(input: JsonSchema, omit: readonly string[] = []): FieldSpec[] {
  const required = new Set(input.required ?? []);
  const out: FieldSpec[] = [];
  for (const [name, s] of Object.entries(input.properties ?? {})) {
    if (name === 'NextToken' || omit.includes(name)) continue;
    const kind = kindOf(s);
    const choices = literalChoices(s);
    out.push({
      name,
      label: labelFor(name),
      kind,
      required: required.has(name),
      schema: s,
      ...(s.description ? { description: s.description } : {}),
      ...(choices ? { choices } : {}),
      ...(s.type === 'array' && s.items ? { item: s.items } : {}),
    });
  }
  return out;
}
