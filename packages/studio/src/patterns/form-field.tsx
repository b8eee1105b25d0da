import { Select, Switch, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { entryNoun, type FieldSpec } from '../schema/fields.js';
import type { FormValue, TagRow } from '../schema/validate.js';
import { TagsEditor } from './tags-editor.js';
import { usePicker } from './field-pickers.js';

interface FormFieldProps {
  readonly field: FieldSpec;
  readonly formId: string;
  readonly value: FormValue | undefined;
  readonly error?: string | undefined;
  /** Said under the field without marking it invalid: the value is accepted but likely a mistake. */
  readonly warning?: string | undefined;
  readonly onChange: (v: FormValue) => void;
  readonly onBlur: () => void;
}

function hint(f: FieldSpec): string | undefined {
  const s = f.schema;
  const parts: string[] = [];
  if (f.description) parts.push(f.description);
  if ((f.kind === 'text' || f.kind === 'longtext') && s.maxLength !== undefined) parts.push(`Up to ${s.maxLength} characters.`);
  if ((f.kind === 'integer' || f.kind === 'number') && s.minimum !== undefined && s.maximum !== undefined && !f.description) parts.push(`From ${s.minimum} to ${s.maximum}.`);
  if (!f.required && f.kind !== 'boolean' && f.kind !== 'tags') parts.push('Optional.');
  return parts.length ? parts.join(' ') : undefined;
}

/** One input member rendered from its schema: the widget follows the type, the hint follows the rules. */
export function FormField({ field: f, formId, value, error, warning, onChange, onBlur }: FormFieldProps) {
  const id = `${formId}-${f.name}`;
  const h = hint(f);
  const common = { id, label: f.label, error, description: h, required: f.required, onBlur, name: f.name };
  // A text field's warning: after the hint, in the text colour (orange on white is too faint to read).
  const text = warning
    ? {
        ...common,
        description: (
          <>
            {h ? `${h} ` : ''}
            <Text span size="xs" c="var(--mantine-color-text)" fw={600}>
              Warning: {warning}
            </Text>
          </>
        ),
      }
    : common;
  const Picker = usePicker(f.name);
  if (Picker && (f.kind === 'text' || f.kind === 'longtext')) return <Picker {...common} value={String(value ?? '')} onChange={onChange} />;
  switch (f.kind) {
    case 'boolean':
      return <Switch {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />;
    case 'choice':
      return <Select {...common} data={[...(f.choices ?? [])]} value={typeof value === 'string' && value !== '' ? value : null} onChange={(v) => onChange(v ?? '')} clearable={!f.required} allowDeselect={!f.required} />;
    case 'tags':
      return <TagsEditor {...common} noun={entryNoun(f)} value={(value as TagRow[] | undefined) ?? []} onChange={onChange} {...(f.schema.maxItems !== undefined ? { max: f.schema.maxItems } : {})} />;
    case 'list':
      return <TagsInput {...common} value={(value as string[] | undefined) ?? []} onChange={onChange} placeholder="Type a value and press Enter" />;
    case 'longtext':
    case 'json':
      return <Textarea {...text} value={String(value ?? '')} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={6} maxRows={18} styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} />;
    case 'integer':
    case 'number':
      return <TextInput {...common} inputMode={f.kind === 'integer' ? 'numeric' : 'decimal'} value={String(value ?? '')} onChange={(e) => onChange(e.currentTarget.value)} />;
    default:
      return <TextInput {...text} value={String(value ?? '')} onChange={(e) => onChange(e.currentTarget.value)} autoComplete="off" />;
  }
}
