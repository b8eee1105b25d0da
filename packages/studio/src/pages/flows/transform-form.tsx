import { useId } from 'react';
import { Checkbox, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';

interface ParamSchema {
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly items?: ParamSchema;
  readonly properties?: Readonly<Record<string, ParamSchema>>;
  readonly required?: readonly string[];
}

type Params = Readonly<Record<string, unknown>>;

const toText = (v: unknown, s: ParamSchema): string => {
  if (v === undefined || v === null) return '';
  if (s.type === 'array' && s.items?.type === 'string' && Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v, null, 1);
  return String(v);
};

/** A free value (fill_constant's `value`): a number when it reads as one, true/false, else text. */
function loose(text: string): unknown {
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** Parses a field's text into the param's JSON; `undefined` removes it (the server applies defaults). */
function parse(text: string, s: ParamSchema): { value: unknown; error?: string } {
  if (text.trim() === '') return { value: undefined };
  if (s.type === 'number') return Number.isFinite(Number(text)) ? { value: Number(text) } : { value: undefined, error: 'Enter a number.' };
  if (s.type === 'array' && s.items?.type === 'string') return { value: text.split(',').map((x) => x.trim()).filter(Boolean) };
  if (s.type === 'array' || s.type === 'object') {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { value: undefined, error: 'Enter valid JSON.' };
    }
  }
  if (s.type === undefined) return { value: loose(text) };
  return { value: text };
}

const isColumnish = (name: string, s: ParamSchema) => /column|label|orderBy|timeColumn|start|end|keys/i.test(name) && (s.type === 'string' || s.items?.type === 'string');

/**
 * A form for one transform's params, generated from the JSON Schema the catalogue returns: enums as
 * selects, booleans as checkboxes, column lists as comma-separated text with the input's column names
 * offered, nested lists as JSON. Each change is applied at once so the preview follows.
 */
export function TransformForm({ schema, params, columns, onChange, drafts, setDraft }: {
  schema: ParamSchema;
  params: Params;
  columns: readonly string[];
  onChange: (p: Params) => void;
  /** Text being typed per field (kept so `a,` is not reformatted mid-typing) and its parse error. */
  drafts: Readonly<Record<string, { text: string; error?: string }>>;
  setDraft: (name: string, d: { text: string; error?: string } | undefined) => void;
}) {
  const id = useId().replace(/:/g, '');
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return <Text size="sm" c="dimmed">This transform has no parameters.</Text>;
  const set = (name: string, v: unknown) => {
    const next: Record<string, unknown> = { ...params };
    if (v === undefined) delete next[name];
    else next[name] = v;
    onChange(next);
  };
  return (
    <Stack gap="xs">
      <datalist id={`${id}-cols`}>
        {columns.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {props.map(([name, s]) => {
        const required = schema.required?.includes(name) ?? false;
        const label = `${name}${required ? '' : ' (optional)'}`;
        const help = [s.description, s.default !== undefined ? `default ${JSON.stringify(s.default)}` : ''].filter(Boolean).join('; ');
        if (s.enum) {
          return <NativeSelect key={name} label={label} description={help} value={String(params[name] ?? '')} data={[...(required ? [] : [{ value: '', label: '(default)' }]), ...s.enum.map((v) => ({ value: v, label: v }))]} onChange={(e) => set(name, e.currentTarget.value || undefined)} />;
        }
        if (s.type === 'boolean') {
          return <Checkbox key={name} label={name} description={help} checked={params[name] === undefined ? s.default === true : params[name] === true} onChange={(e) => set(name, e.currentTarget.checked)} />;
        }
        const draft = drafts[name];
        const text = draft?.text ?? toText(params[name], s);
        const onText = (t: string) => {
          const r = parse(t, s);
          setDraft(name, { text: t, ...(r.error ? { error: r.error } : {}) });
          if (!r.error) set(name, r.value);
        };
        const error = draft?.error ?? (required && text.trim() === '' ? 'Required.' : undefined);
        const desc = isColumnish(name, s) && columns.length ? `${help}${help ? '. ' : ''}Columns: ${columns.join(', ')}` : help;
        if ((s.type === 'array' && s.items?.type !== 'string') || s.type === 'object') {
          return <Textarea key={name} label={label} description={`${desc} (JSON)`} value={text} error={error} autosize minRows={2} onChange={(e) => onText(e.currentTarget.value)} styles={{ input: { fontFamily: 'monospace' } }} />;
        }
        return <TextInput key={name} label={label} description={desc} value={text} error={error} onChange={(e) => onText(e.currentTarget.value)} {...(isColumnish(name, s) ? { list: `${id}-cols` } : {})} />;
      })}
    </Stack>
  );
}
