import { useId, useMemo, useState, type FormEvent } from 'react';
import { Button, Group, Stack, Text } from '@mantine/core';
import { getOperation } from '@loam/contracts';
import { loam } from '../api/client.js';
import { fieldsOf, type JsonSchema } from '../schema/fields.js';
import { labelFor } from '../schema/labels.js';
import { toUserFacingError, type UserFacingError } from '../schema/problems.js';
import { shownOnce, type OnceRow } from '../schema/shown-once.js';
import { emptyValues, toInput, validateField, validateForm, type FormValue, type FormValues } from '../schema/validate.js';
import { ErrorAlert } from './error-alert.js';
import { FormField } from './form-field.js';
import { ShownOncePanel } from './shown-once-panel.js';

export interface OperationFormProps {
  /** An operation in the table, e.g. `CreateAccessKey`; its input schema is the form. */
  readonly operation: string;
  /** Input members the page decides (shown, not editable), e.g. `{ UserName }` on a user's page. */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Members not to offer at all. */
  readonly omit?: readonly string[];
  readonly initial?: FormValues;
  readonly submitLabel?: string;
  readonly onDone: (output: unknown, input: Record<string, unknown>) => void;
  readonly onCancel?: () => void;
}

/**
 * A form generated from an operation's input schema: one widget per member, checked as the user
 * leaves each field, and the server's own validation errors placed on the same fields. If the output
 * holds something shown only once (a secret), it is displayed before the form closes.
 */
export function OperationForm({ operation, fixed = {}, omit = [], initial, submitLabel, onDone, onCancel }: OperationFormProps) {
  const op = getOperation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  const formId = useId().replace(/:/g, '');
  const fields = useMemo(() => fieldsOf(op.input as JsonSchema, [...omit, ...Object.keys(fixed)]), [op, omit, fixed]);
  const [values, setValues] = useState<FormValues>(() => ({ ...emptyValues(fields), ...initial }));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const [once, setOnce] = useState<{ rows: OnceRow[]; output: unknown; input: Record<string, unknown> } | undefined>();

  const focusFirst = (errs: Record<string, string>) => {
    const first = fields.find((f) => errs[f.name]);
    if (first) document.getElementById(`${formId}-${first.name}`)?.focus();
  };
  const change = (name: string, v: FormValue) => {
    setValues((xs) => ({ ...xs, [name]: v }));
    const f = fields.find((x) => x.name === name);
    if (f && (touched[name] || errors[name])) setErrors((es) => withMessage(es, name, validateField(f, v)));
  };
  const blur = (name: string) => {
    setTouched((t) => ({ ...t, [name]: true }));
    const f = fields.find((x) => x.name === name);
    if (f) setErrors((es) => withMessage(es, name, validateField(f, values[name])));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    const errs = validateForm(fields, values);
    setErrors(errs);
    if (Object.keys(errs).length > 0) return focusFirst(errs);
    const input = { ...fixed, ...toInput(fields, values) };
    setBusy(true);
    try {
      const output = await loam.call(operation, input);
      const rows = shownOnce(op.output as JsonSchema, output);
      if (rows.length > 0) setOnce({ rows, output, input });
      else onDone(output, input);
    } catch (err) {
      const u = toUserFacingError(err, { iamAction: op.iamAction, fields, values, kind: op.kind });
      setErrors(u.fields);
      setFailure(u);
      focusFirst(u.fields);
    } finally {
      setBusy(false);
    }
  };

  if (once) return <ShownOncePanel rows={once.rows} onDone={() => onDone(once.output, once.input)} />;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={`${formId}-summary`}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed" id={`${formId}-summary`}>
          {op.summary}
        </Text>
        {Object.entries(fixed).map(([k, v]) => (
          <Text size="sm" key={k}>
            {labelFor(k)}: <strong>{v}</strong>
          </Text>
        ))}
        {failure && <ErrorAlert error={failure} placed={fields.map((f) => f.name)} onClose={() => setFailure(undefined)} />}
        {fields.map((f) => (
          <FormField key={f.name} field={f} formId={formId} value={values[f.name]} error={errors[f.name]} onChange={(v) => change(f.name, v)} onBlur={() => blur(f.name)} />
        ))}
        {fields.length === 0 && <Text size="sm">Nothing to fill in.</Text>}
        <Group justify="flex-end" mt="xs">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {submitLabel ?? labelFor(operation)}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function withMessage(es: Record<string, string>, name: string, m: string | undefined): Record<string, string> {
  const next = { ...es };
  if (m) next[name] = m;
  else delete next[name];
  return next;
}
