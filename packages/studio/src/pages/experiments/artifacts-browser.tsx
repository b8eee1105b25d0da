import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Breadcrumbs, Code, Skeleton, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { toUserFacingError } from '../../schema/problems.js';

const size = (n: number | undefined) => (n === undefined ? '' : n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`);

/** A run's artifacts, one folder at a time, with where each file lives in the artifact store. */
export function ArtifactsBrowser({ runId }: { runId: string }) {
  const [path, setPath] = useState('');
  const q = useQuery({ queryKey: ['ListMlflowArtifacts', runId, path], queryFn: ({ signal }) => loam.ListMlflowArtifacts({ RunId: runId, ...(path ? { Path: path } : {}) }, { signal }) });
  const parts = path ? path.split('/') : [];
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:ListMlflowArtifacts' })} />;
  if (!q.data) return <Skeleton height={80} aria-label="Loading artifacts" />;
  const root = q.data.RootUri.replace(/\/$/, '');
  return (
    <Stack gap="xs">
      <Breadcrumbs aria-label="Artifact folder">
        <Anchor component="button" type="button" size="sm" onClick={() => setPath('')}>
          artifacts
        </Anchor>
        {parts.map((p, i) => (
          <Anchor component="button" type="button" size="sm" key={i} onClick={() => setPath(parts.slice(0, i + 1).join('/'))}>
            {p}
          </Anchor>
        ))}
      </Breadcrumbs>
      {q.data.Files.length === 0 ? (
        <Text size="sm" c="dimmed">
          No artifacts {path ? 'in this folder' : 'logged for this run'}.
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label={`Artifacts in ${path || 'the run root'}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>Location</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.Files.map((f) => {
              const name = f.Path.split('/').pop() ?? f.Path;
              return (
                <Table.Tr key={f.Path}>
                  <Table.Td>
                    {f.IsDir ? (
                      <UnstyledButton onClick={() => setPath(f.Path)} c="blue.8" td="underline" fz="sm" aria-label={`Open folder ${name}`}>
                        {name}/
                      </UnstyledButton>
                    ) : (
                      name
                    )}
                  </Table.Td>
                  <Table.Td>{size(f.FileSize)}</Table.Td>
                  <Table.Td>
                    <Code>{`${root}/${f.Path}`}</Code>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
