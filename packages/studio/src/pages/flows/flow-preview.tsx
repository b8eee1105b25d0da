import { useQuery, keepPreviousData } from '@tanstack/react-query';
import { Code, Group, ScrollArea, Skeleton, Stack, Tabs, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { DataGrid } from '../datasets/data-grid.js';
import type { FlowDefinition } from './flow-model.js';

/**
 * A refused preview as the server said it ("Flow node 'split': param 'validationFraction' must be ≤ 0.2"):
 * its field paths (`/params/validationFraction`) name no field of this page, and alone ("Params: …") they
 * lose which node and which param.
 */
export function previewError(e: unknown): UserFacingError {
  const u = toUserFacingError(e);
  return u.code === 'ValidationException' ? { ...u, fields: {}, action: 'Change that step in the side panel; the preview follows.' } : u;
}

/**
 * The selected node's output on a sample (50,000 rows per source, cached by the server), recomputed
 * whenever the flow changes, with the node's compiled SQL.
 */
export function FlowPreview({ def, nodeId }: { def: FlowDefinition; nodeId: string }) {
  const input = { Definition: def, NodeId: nodeId, Limit: 50 };
  const q = useQuery({
    queryKey: ['PreviewFlow', input],
    queryFn: ({ signal }) => loam.PreviewFlow(input, { signal }),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
  return (
    <Stack gap="xs">
      {q.error && !q.isFetching && <ErrorAlert error={previewError(q.error)} />}
      {q.data && (
        <Group gap="md">
          <Text size="sm" role="status" aria-live="polite" data-testid="preview-status">
            {q.isFetching ? 'Updating preview…' : `Step ${nodeId}: ${q.data.Columns.length} columns; first ${q.data.Rows.length} rows of a ${q.data.SampleRows.toLocaleString('en')}-row sample, in ${Math.round(q.data.ElapsedMs)} ms.`}
          </Text>
        </Group>
      )}
      {!q.data && q.isFetching && <Skeleton height={160} aria-label="Computing preview" />}
      {q.data && (
        <Tabs defaultValue="data" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="data">Data</Tabs.Tab>
            <Tabs.Tab value="sql">SQL of this step</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="data" pt="xs" style={{ opacity: q.isFetching ? 0.6 : 1 }}>
            <DataGrid columns={q.data.Columns} rows={q.data.Rows} label={`Preview of step ${nodeId}`} maxHeight={360} />
          </Tabs.Panel>
          <Tabs.Panel value="sql" pt="xs">
            <ScrollArea.Autosize mah={360}>
              <Code block aria-label={`SQL of step ${nodeId}`}>
                {q.data.Sql}
              </Code>
            </ScrollArea.Autosize>
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
