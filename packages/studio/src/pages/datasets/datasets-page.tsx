import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { Button, Card, Group, Stack } from '@mantine/core';
import { useNotifications } from '../../app/notifications.js';
import { ResourceList } from '../../patterns/resource-list.js';
import { DatasetImport } from './dataset-import.js';
import { datasetPath } from './dataset-paths.js';
import { PageHeader } from '../../patterns/page-header.js';
import { FormModal } from '../../patterns/form-modal.js';

/** Datasets: every imported table, and the import dialog (upload with progress, or an s3:// URI). */
export function DatasetsPage() {
  const [open, setOpen] = useState(false);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  return (
    <Stack>
      <PageHeader
        title="Datasets"
        description={
          <>
            Import CSV, Parquet or JSON Lines data, see its quality at a glance, and prepare it with a data flow.
          </>
        }
      >
        <Group gap="xs">
          <Button variant="default" component={Link} to="/flows">
            Data flows
          </Button>
          <Button onClick={() => setOpen(true)}>Import data</Button>
        </Group>
      </PageHeader>
      <Card withBorder radius="md" padding="md">
        <ResourceList operation="ListDatasets" linkTo={(d) => datasetPath(String(d.DatasetName))} omitColumns={['DatasetArn']} caption="Datasets" empty="No datasets yet: import a file to start." />
      </Card>
      <FormModal opened={open} onClose={() => setOpen(false)} title="Import data" size="lg">
        {open && (
          <DatasetImport
            onImported={(name, v) => {
              setOpen(false);
              void qc.invalidateQueries({ queryKey: ['ListDatasets'] });
              notify({ title: `Dataset ${name} version ${String(v.Version)} imported`, message: `${String(v.RowCount)} rows, ${(v.Columns as unknown[] | undefined)?.length ?? 0} columns.`, tone: 'success', to: datasetPath(name) });
              void navigate({ to: datasetPath(name) });
            }}
          />
        )}
      </FormModal>
    </Stack>
  );
}
