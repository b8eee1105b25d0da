import { Accordion, Button, Fieldset, Group, Stack } from '@mantine/core';
import { FormField } from '../../patterns/form-field.js';
import type { FormValue, FormValues } from '../../schema/validate.js';
import type { FieldGroup } from './nested-fields.js';

export interface GroupViewProps {
  readonly group: FieldGroup;
  readonly formId: string;
  readonly values: FormValues;
  /** What the page pre-filled: decides what is shown up front, so nothing moves while the user types. */
  readonly initial: FormValues;
  readonly errors: Readonly<Record<string, string>>;
  /** Said under a field without blocking the submit (an output bucket that does not exist). */
  readonly warnings?: Readonly<Record<string, string>>;
  readonly onChange: (name: string, v: FormValue) => void;
  readonly onBlur: (name: string) => void;
  readonly setCount: (path: string, n: number) => void;
}

/** Whether a group is worth showing up front: the API needs it, or the page pre-filled it. */
export function prominent(g: FieldGroup, values: FormValues): boolean {
  if (g.required) return true;
  if (g.repeated) return g.groups.length > 0;
  const has = (x: FieldGroup): boolean => x.fields.some((f) => values[f.name] !== undefined && values[f.name] !== '' && values[f.name] !== false && !(Array.isArray(values[f.name]) && (values[f.name] as unknown[]).length === 0)) || x.groups.some(has);
  return has(g);
}

function Leaves({ group, ...p }: GroupViewProps) {
  return (
    <>
      {group.fields.map((f) => (
        <FormField key={f.name} field={f} formId={p.formId} value={p.values[f.name]} error={p.errors[f.name]} warning={p.warnings?.[f.name]} onChange={(v) => p.onChange(f.name, v)} onBlur={() => p.onBlur(f.name)} />
      ))}
    </>
  );
}

/** One nested object as a fieldset; an array of objects as numbered fieldsets with add and remove. */
export function GroupView(p: GroupViewProps) {
  const g = p.group;
  if (g.repeated) {
    const n = g.groups.length;
    return (
      <Fieldset legend={g.label} radius="md">
      <Stack gap="xs">
        {g.groups.map((item, i) => (
          <Fieldset key={item.path} legend={item.label} radius="md">
            <Stack gap="xs">
              <GroupBody {...p} group={item} />
              {n > g.repeated!.min && (
                <Group justify="flex-end">
                  <Button size="compact-xs" variant="default" onClick={() => p.setCount(g.path, n - 1)} aria-label={`Remove ${item.label}`}>
                    Remove
                  </Button>
                </Group>
              )}
            </Stack>
          </Fieldset>
        ))}
        {n < g.repeated.max && (
          <Group>
            <Button size="compact-sm" variant="light" onClick={() => p.setCount(g.path, n + 1)}>
              Add {g.label.toLowerCase()}
            </Button>
          </Group>
        )}
      </Stack>
      </Fieldset>
    );
  }
  return (
    <Fieldset legend={g.label} radius="md">
      <Stack gap="xs">
        <GroupBody {...p} />
      </Stack>
    </Fieldset>
  );
}

/** A group's own fields, then its sub-objects. */
export function GroupBody(p: GroupViewProps) {
  return (
    <>
      <Leaves {...p} />
      {p.group.groups
        .filter((c) => prominent(c, p.initial))
        .map((c) => (
          <GroupView key={c.path} {...p} group={c} />
        ))}
      <OptionalGroups {...p} groups={p.group.groups.filter((c) => !prominent(c, p.initial))} />
    </>
  );
}

/** The rest of the input, one accordion panel per optional object (plus the optional top-level fields). */
export function OptionalGroups({ groups, extra, ...p }: Omit<GroupViewProps, 'group'> & { groups: readonly FieldGroup[]; extra?: FieldGroup }) {
  if (groups.length === 0 && !extra?.fields.length) return null;
  return (
    <Accordion variant="separated" multiple chevronPosition="left">
      {extra && extra.fields.length > 0 && (
        <Accordion.Item value="__more">
          <Accordion.Control>More settings</Accordion.Control>
          <Accordion.Panel>
            <Stack gap="xs">
              <Leaves {...p} group={extra} />
            </Stack>
          </Accordion.Panel>
        </Accordion.Item>
      )}
      {groups.map((c) => (
        <Accordion.Item key={c.path} value={c.path}>
          <Accordion.Control>{c.label}</Accordion.Control>
          <Accordion.Panel>
            <GroupView {...p} group={c} />
          </Accordion.Panel>
        </Accordion.Item>
      ))}
    </Accordion>
  );
}
