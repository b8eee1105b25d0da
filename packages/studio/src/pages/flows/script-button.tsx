import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Code, Group, Modal, ScrollArea, Skeleton, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';

/** Shows the saved flow compiled to a standalone DuckDB script, with a download. */
export function ScriptButton({ flowName, version, disabled }: { flowName: string; version: number; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const q = useQuery({ queryKey: ['ExportFlowScript', flowName, version], queryFn: ({ signal }) => loam.ExportFlowScript({ FlowName: flowName, Version: version }, { signal }), enabled: open });
  const download = () => {
    const url = URL.createObjectURL(new Blob([q.data?.Script ?? ''], { type: 'application/sql' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${flowName}-v${version}.sql`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)} disabled={disabled} title={disabled ? 'Save the flow first' : undefined}>
        View SQL script
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`${flowName} version ${version} as a DuckDB script`} size="xl">
        {q.error && <ErrorAlert error={toUserFacingError(q.error)} />}
        {!q.data && !q.error && <Skeleton height={200} aria-label="Compiling" />}
        {q.data && (
          <>
            <Text size="sm" c="dimmed" mb="xs">
              Runs in DuckDB’s own CLI: sources are read from their s3:// URIs (staged locally or with httpfs), destinations written with COPY.
            </Text>
            <ScrollArea.Autosize mah={480}>
              <Code block aria-label="Compiled flow script">
                {q.data.Script}
              </Code>
            </ScrollArea.Autosize>
            <Group justify="flex-end" mt="sm">
              <Button onClick={download}>Download .sql</Button>
            </Group>
          </>
        )}
      </Modal>
    </>
  );
}
