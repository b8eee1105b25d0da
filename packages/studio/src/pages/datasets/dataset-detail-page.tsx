import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { Button, Group, NativeSelect, Skeleton, Stack, Tabs, Text, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { DataGrid } from './data-grid.js';
import { DatasetImport } from './dataset-import.js';
import { datasetPath } from './dataset-paths.js';
import { ProfileView } from './profile-view.js';
import { VersionsTable } from './versions-table.js';
import { FormModal } from '../../patterns/form-modal.js';

function Preview({ name, version }: { name: string; version: number }) {
  const [sampling, setSampling] = useState<'First' | 'Random'>('First');
  const input = { DatasetName: name, Version: version, Limit: 100, Sampling: sampling };
  const q = useQuery({ queryKey: ['PreviewDataset', input], queryFn: ({ signal }) => loam.PreviewDataset(input, { signal }) });
  return (
    <Stack gap="xs">
      <NativeSelect label="Rows" data={[{ value: 'First', label: 'First 100 rows' }, { value: 'Random', label: 'A random sample of 100' }]} value={sampling} onChange={(e) => setSampling(e.currentTarget.value as 'First')} w={240} />
      {q.error && <ErrorAlert error={toUserFacingError(q.error)} />}
      {q.data ? <DataGrid columns={q.data.Columns} rows={q.data.Rows} label={`Preview of ${name} version ${version}`} /> : <Skeleton height={200} aria-label="Loading preview" />}
    </Stack>
  );
}

/** A dataset: its versions, a preview grid and the profile with charts. */
export function DatasetDetailPage() {
  const { datasetName } = useParams({ strict: false }) as { datasetName: string };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [importing, setImporting] = useState(false);
  const [picked, setPicked] = useState<number | undefined>();
  const q = useQuery({ queryKey: ['DescribeDataset', datasetName], queryFn: ({ signal }) => loam.DescribeDataset({ DatasetName: datasetName }, { signal }) });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeDataset' })} />;
  if (!q.data) return <Skeleton height={240} aria-label="Loading dataset" />;
  const d = q.data;
  const version = picked ?? d.LatestVersion;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text size="sm" c="dimmed">
            Dataset
          </Text>
          <Title order={1} size="h2">
            {d.DatasetName}
          </Title>
          <Text size="sm" c="dimmed">
            {d.LatestVersion === 0 ? 'No version imported yet.' : `Version ${d.LatestVersion}: ${d.Latest?.RowCount.toLocaleString('en')} rows, ${d.Latest?.Columns.length} columns, from ${d.Latest?.SourceUri}`}
          </Text>
        </div>
        <Group gap="xs">
          <Button variant="default" component={Link} to="/flows" search={{ dataset: d.DatasetName } as never}>
            New data flow
          </Button>
          <Button onClick={() => setImporting(true)}>Import new version</Button>
          <ConfirmButton
            label="Delete dataset"
            title={`Delete dataset ${d.DatasetName}?`}
            message={`Every version of ${d.DatasetName} and its stored data will be deleted. Flows that read it will fail.`}
            iamAction="sagemaker:DeleteDataset"
            onConfirm={async () => {
              await loam.DeleteDataset({ DatasetName: d.DatasetName });
              notify({ title: `Dataset ${d.DatasetName} deleted`, tone: 'success' });
              void navigate({ to: '/datasets' });
            }}
          />
        </Group>
      </Group>
      {d.LatestVersion > 0 && (
        <>
          {d.LatestVersion > 1 && (
            <NativeSelect label="Version" value={String(version)} onChange={(e) => setPicked(Number(e.currentTarget.value))} data={Array.from({ length: d.LatestVersion }, (_, i) => String(d.LatestVersion - i))} w={120} />
          )}
          <Tabs defaultValue="profile" keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="profile">Profile</Tabs.Tab>
              <Tabs.Tab value="preview">Preview</Tabs.Tab>
              <Tabs.Tab value="versions">Versions</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="profile" pt="md">
              <ProfileView name={d.DatasetName} version={version} columns={(d.Latest?.Columns ?? []).map((c) => c.Name)} />
            </Tabs.Panel>
            <Tabs.Panel value="preview" pt="md">
              <Preview name={d.DatasetName} version={version} />
            </Tabs.Panel>
            <Tabs.Panel value="versions" pt="md">
              <VersionsTable name={d.DatasetName} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
      <FormModal opened={importing} onClose={() => setImporting(false)} title={`Import a new version of ${d.DatasetName}`} size="lg">
        {importing && (
          <DatasetImport
            initialName={d.DatasetName}
            onImported={(name, v) => {
              setImporting(false);
              setPicked(undefined);
              void qc.invalidateQueries({ queryKey: ['DescribeDataset', name] });
              void qc.invalidateQueries({ queryKey: ['ListDatasetVersions'] });
              notify({ title: `Dataset ${name} version ${String(v.Version)} imported`, tone: 'success', to: datasetPath(name) });
            }}
          />
        )}
      </FormModal>
    </Stack>
  );
}
