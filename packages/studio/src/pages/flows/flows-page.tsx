import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Button, Card, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { loam } from '../../api/client.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ResourceList } from '../../patterns/resource-list.js';
import { flowPath } from '../datasets/dataset-paths.js';
import { PageHeader } from '../../patterns/page-header.js';
import { FormModal } from '../../patterns/form-modal.js';

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function NewFlowForm({ dataset, onCreated }: { dataset: string; onCreated: (name: string) => void }) {
  const datasets = useQuery({ queryKey: ['ListDatasets', { MaxResults: 100 }], queryFn: ({ signal }) => loam.ListDatasets({ MaxResults: 100 }, { signal }) });
  const names = (datasets.data?.DatasetSummaries ?? []).filter((d) => d.LatestVersion > 0).map((d) => d.DatasetName);
  const [name, setName] = useState(dataset ? `${dataset}-prep` : '');
  const [source, setSource] = useState(dataset);
  const [nameError, setNameError] = useState<string | undefined>();
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const chosen = source || names[0] || '';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    const bad = NAME.test(name) ? undefined : 'Use 1 to 63 letters, digits and hyphens, starting with a letter or digit.';
    setNameError(bad);
    if (bad || !chosen) return;
    setBusy(true);
    try {
      await loam.CreateFlow({ FlowName: name, Definition: { formatVersion: 1, nodes: [{ id: 'src', type: 'source', dataset: { name: chosen } }] } });
      onCreated(name);
    } catch (err) {
      let f = toUserFacingError(err, { iamAction: 'sagemaker:CreateFlow' });
      // "Flow 'x' already exists." is about the name typed: say it there, as the generated forms do.
      if (f.code === 'ResourceInUse' && !f.fields.FlowName) f = { ...f, fields: { FlowName: `${f.detail} Choose another name.` } };
      if (f.fields.FlowName) setNameError(f.fields.FlowName);
      setFailure(f);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="New data flow" noValidate>
      <Stack gap="sm">
        <TextInput label="Flow name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} required />
        {names.length === 0 && !datasets.isPending ? (
          <Text size="sm" c="dimmed">Import a dataset first: a flow starts from one.</Text>
        ) : (
          <NativeSelect label="Source dataset" value={chosen} data={names} onChange={(e) => setSource(e.currentTarget.value)} />
        )}
        {failure && <ErrorAlert error={failure} placed={['FlowName']} onClose={() => setFailure(undefined)} />}
        <Group justify="flex-end">
          <Button type="submit" loading={busy} disabled={!chosen}>
            Create flow
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Data flows: DAGs of sources → transforms → destinations, and the form that starts one. */
export function FlowsPage() {
  const search = useSearch({ strict: false }) as { dataset?: string };
  const [open, setOpen] = useState(!!search.dataset);
  const qc = useQueryClient();
  const navigate = useNavigate();
  return (
    <Stack>
      <PageHeader
        title="Data flows"
        description={
          <>
            Prepare data visually: each step compiles to DuckDB SQL, previews on a sample and runs on the full data.
          </>
        }
      >
        <Button onClick={() => setOpen(true)}>New data flow</Button>
      </PageHeader>
      <Card withBorder radius="md" padding="md">
        <ResourceList operation="ListFlows" linkTo={(f) => flowPath(String(f.FlowName))} omitColumns={['FlowArn']} caption="Data flows" empty="No flows yet." />
      </Card>
      <FormModal opened={open} onClose={() => setOpen(false)} title="New data flow" size="md">
        {open && (
          <NewFlowForm
            dataset={search.dataset ?? ''}
            onCreated={(name) => {
              setOpen(false);
              void qc.invalidateQueries({ queryKey: ['ListFlows'] });
              void navigate({ to: flowPath(name) });
            }}
          />
        )}
      </FormModal>
    </Stack>
  );
}
