import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Button, Group, Stack, Text } from '@mantine/core';
import { getOperation } from '@loam/contracts';
import { loam } from '../../api/client.js';
import { bucketExists, bucketOf, ensureDefaultBucket } from '../../api/default-bucket.js';
import { proposesRole, withProposedRole } from '../../api/execution-role.js';
import { useDefaultBucket, useExecutionRole } from '../../app/session.js';
import { useNotifications } from '../../app/notifications.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FieldPickers, usePickerMap } from '../../patterns/field-pickers.js';
import { RoleField } from '../../patterns/role-field.js';
import type { JsonSchema } from '../../schema/fields.js';
import { labelFor } from '../../schema/labels.js';
import { toUserFacingError, topField, type UserFacingError } from '../../schema/problems.js';
import { validateField, type FormValue, type FormValues } from '../../schema/validate.js';
import { GroupView, OptionalGroups, prominent } from './nested-group.js';
import { groupFields, leafOfPath, leaves, requireLeaves, toNestedInput, validateGroups } from './nested-fields.js';
import { isOutputLeaf, missingBucketWarning, outputLocations } from './output-locations.js';

const noPaths: readonly string[] = [];

export interface NestedOperationFormProps {
  /** A create operation whose input has nested objects (CreateTrainingJob, CreateProcessingJob). */
  readonly operation: string;
  /** Pre-filled leaves by dotted path (`ResourceConfig.InstanceType`). */
  readonly initial?: FormValues;
  /** Items of each array of objects to start with (`{ InputDataConfig: 1 }`). */
  readonly initialCounts?: Readonly<Record<string, number>>;
  /** Leaves the schema leaves optional but the page knows the server needs (dotted paths, `*` for an item index). */
  readonly required?: readonly string[];
  readonly submitLabel?: string;
  /** A line above the form, e.g. where a clone's settings came from. */
  readonly intro?: ReactNode;
  readonly onDone: (output: unknown, input: Record<string, unknown>) => void;
  readonly onCancel?: () => void;
}

/**
 * A form generated from an input schema with nested objects: what the API requires (or the page pre-filled)
 * is shown as fieldsets, everything optional waits in an accordion. The server's errors land on the leaf
 * their JSON pointer names. Output locations: Studio's default bucket is created on submit when missing
 * (nothing is sent if the user may not create it); any other bucket that does not exist is warned about,
 * on leaving the field and on submit, without blocking (the job would fail when it uploads). An execution
 * role the form needs (or a model's) and the page left empty is proposed from the session (`useExecutionRole`),
 * in a field that lists the account's role and the ones this user submitted recently.
 */
export function NestedOperationForm({ operation, initial = {}, initialCounts = {}, required = noPaths, submitLabel, intro, onDone, onCancel }: NestedOperationFormProps) {
  const op = getOperation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  const formId = useId().replace(/:/g, '');
  const [counts, setCounts] = useState<Record<string, number>>({ ...initialCounts });
  const tree = useMemo(() => requireLeaves(groupFields(op.input as JsonSchema, counts), required), [op, counts, required]);
  const all = useMemo(() => leaves(tree), [tree]);
  const role = useExecutionRole();
  // What is shown up front follows the proposal too: a proposed role is a pre-filled field.
  const [seeded] = useState<FormValues>(() => withProposedRole(operation, all, initial, role.proposed) as FormValues);
  const [values, setValues] = useState<FormValues>(() => ({ ...Object.fromEntries(all.map((f) => [f.name, f.kind === 'boolean' ? false : f.kind === 'tags' || f.kind === 'list' ? [] : ''])), ...seeded }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const [placed, setPlaced] = useState<string[]>([]);
  const [warnings, setWarnings] = useState<Record<string, string>>({});
  const defaultBucket = useDefaultBucket();
  const { notify } = useNotifications();

  // A typed output bucket that does not exist is said at once, under its field; the default one Studio creates.
  const checkOutput = (name: string, v: FormValue | undefined) => {
    const bucket = bucketOf(v);
    const clear = () => setWarnings(({ [name]: _, ...rest }) => rest);
    if (!bucket || bucket === defaultBucket) return clear();
    void bucketExists(bucket).then((exists) => {
      if (exists === false) setWarnings((ws) => ({ ...ws, [name]: missingBucketWarning(bucket) }));
      else clear();
    });
  };

  const change = (name: string, v: FormValue) => {
    setValues((xs) => ({ ...xs, [name]: v }));
    if (errors[name]) setErrors(({ [name]: _, ...rest }) => rest);
  };
  const blur = (name: string) => {
    if (isOutputLeaf(operation, name)) checkOutput(name, values[name]);
    const f = all.find((x) => x.name === name);
    const m = f && values[name] !== '' ? validateField({ ...f, required: false }, values[name]) : undefined;
    if (m) setErrors((es) => ({ ...es, [name]: m }));
  };
  const focusFirst = (errs: Record<string, string>) => {
    const first = all.find((f) => errs[f.name]);
    if (first) document.getElementById(`${formId}-${first.name}`)?.focus();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    const errs = validateGroups(tree, values);
    setErrors(errs);
    if (Object.keys(errs).length > 0) return focusFirst(errs);
    const input = toNestedInput(tree, values);
    setBusy(true);
    const outputs = outputLocations(operation, values);
    // The default bucket is created now, as the SageMaker SDK creates it on first use; nothing else is.
    if (outputs.some((o) => o.bucket === defaultBucket)) {
      try {
        await ensureDefaultBucket(defaultBucket);
      } catch (err) {
        const detail = (err as Error).message;
        const leaf = outputs.find((o) => o.bucket === defaultBucket)!.leaf;
        setErrors({ [leaf]: `Bucket '${defaultBucket}' does not exist and could not be created.` });
        setPlaced([]);
        setFailure({ title: 'Default bucket unavailable', detail, fields: {}, action: '', code: 'DefaultBucketUnavailable' });
        setBusy(false);
        return;
      }
    }
    const typed = [...new Set(outputs.filter((o) => o.bucket !== defaultBucket).map((o) => o.bucket))];
    const missing = (await Promise.all(typed.map(async (b) => ((await bucketExists(b)) === false ? b : undefined)))).filter((b): b is string => b !== undefined);
    try {
      const output = await loam.call(operation, input);
      role.remember(all.filter((f) => proposesRole(operation, f)).map((f) => String(values[f.name] ?? '')));
      // Warned, not blocked: the job may be meant to start before its bucket is made.
      for (const b of missing) notify({ title: `Output bucket '${b}' does not exist`, message: missingBucketWarning(b), tone: 'warning' });
      onDone(output, input);
    } catch (err) {
      const u = toUserFacingError(err, { iamAction: op.iamAction, kind: op.kind });
      const names = all.map((f) => f.name);
      const byLeaf: Record<string, string> = {};
      const onLeaf = new Set<string>();
      for (const fe of (err as { fields?: { path: string; message: string }[] }).fields ?? []) {
        const leaf = leafOfPath(fe.path, names, values);
        if (!leaf) continue;
        if (!byLeaf[leaf]) byLeaf[leaf] = fe.message;
        const top = topField(fe.path);
        if (top) onLeaf.add(top);
      }
      setPlaced([...onLeaf]);
      if (u.code === 'ResourceInUse' && Object.keys(byLeaf).length === 0) byLeaf[names[0]!] = `${u.detail} Choose another name.`;
      setErrors(byLeaf);
      setFailure(u);
      focusFirst(byLeaf);
    } finally {
      setBusy(false);
    }
  };

  const parentPickers = usePickerMap();
  const pickers = useMemo(() => ({ ...Object.fromEntries(all.filter((f) => proposesRole(operation, f)).map((f) => [f.name, RoleField])), ...parentPickers }), [all, operation, parentPickers]);
  const view = { formId, values, initial: seeded, errors, warnings, onChange: change, onBlur: blur, setCount: (path: string, n: number) => setCounts((c) => ({ ...c, [path]: n })) };
  const shown = tree.groups.filter((g) => prominent(g, seeded));
  const hidden = tree.groups.filter((g) => !prominent(g, seeded));
  const isSet = (v: FormValue | undefined) => v !== undefined && v !== '' && v !== false && !(Array.isArray(v) && v.length === 0);
  const topShown = tree.fields.filter((f) => f.required || isSet(seeded[f.name]));
  const topMore = tree.fields.filter((f) => !topShown.includes(f));
  return (
    <FieldPickers pickers={pickers}>
    <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={`${formId}-summary`}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed" id={`${formId}-summary`}>
          {op.summary}
        </Text>
        {intro}
        {failure && <ErrorAlert error={failure} placed={placed} onClose={() => setFailure(undefined)} />}
        <GroupView {...view} group={{ ...tree, label: labelFor(operation.replace(/^(Create|Put|Update)/, '')), fields: topShown, groups: [] }} />
        {shown.map((g) => (
          <GroupView key={g.path} {...view} group={g} />
        ))}
        <OptionalGroups {...view} groups={hidden} extra={{ ...tree, fields: topMore, groups: [] }} />
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
    </FieldPickers>
  );
}
