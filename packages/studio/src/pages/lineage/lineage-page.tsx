import { useState } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Button, Group, NativeSelect, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { LineageGraph } from './lineage-graph.js';
import { artifactArns, typeOfArn } from './lineage-layout.js';
import { lineagePath } from './lineage-link.js';
import { lineageProblem } from './lineage-problem.js';

type Direction = 'Both' | 'Ascendants' | 'Descendants';

/** Lineage from one resource (or s3:// location): where it came from and where it is used, as a graph. */
export function LineagePage() {
  const { arn = '' } = useSearch({ strict: false }) as { arn?: string };
  const navigate = useNavigate();
  const [draft, setDraft] = useState(arn);
  const [direction, setDirection] = useState<Direction>('Both');
  const [depth, setDepth] = useState('5');
  const q = useQuery({
    queryKey: ['QueryLineage', arn, direction, depth],
    queryFn: ({ signal }) => loam.QueryLineage({ StartArns: [arn], Direction: direction, IncludeEdges: true, MaxDepth: Number(depth) }, { signal }),
    enabled: arn !== '',
  });
  // Artifact vertices are labelled by their locations: one DescribeArtifact per artifact on the page (a page is
  // at most 10 vertices), cached by ARN for the session (a location never changes), so re-centring on a
  // neighbour asks only for the artifacts not seen yet. A refused or failed one keeps its ARN's id as label.
  const artifacts = artifactArns(q.data?.Vertices ?? []);
  const described = useQueries({
    queries: artifacts.map((ArtifactArn) => ({
      queryKey: ['DescribeArtifact', ArtifactArn],
      queryFn: ({ signal }: { signal: AbortSignal }) => loam.DescribeArtifact({ ArtifactArn }, { signal }),
      staleTime: Infinity,
      retry: false,
    })),
  });
  const locations = new Map(described.flatMap((d, i) => (d.data ? [[artifacts[i] as string, d.data.Source.SourceUri] as const] : [])));
  const labelsPending = described.some((d) => d.isPending);
  const open = (to: string) => {
    setDraft(to);
    void navigate({ to: lineagePath, search: { arn: to } as never });
  };
  const start = q.data && !q.data.Vertices.some((v) => v.Arn === arn) ? [{ Arn: arn, Type: typeOfArn(arn) }] : [];
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Lineage
        </Title>
        <Text size="sm" c="dimmed">
          Data, jobs, models, packages and endpoints linked by what produced what. Select a box to centre on it.
        </Text>
      </div>
      <Group align="flex-end" component="form" onSubmit={(e) => { e.preventDefault(); open(draft.trim()); }}>
        <TextInput label="Start from (ARN or s3:// location)" value={draft} onChange={(e) => setDraft(e.currentTarget.value)} style={{ flex: 1 }} />
        <NativeSelect label="Direction" data={['Both', 'Ascendants', 'Descendants']} value={direction} onChange={(e) => setDirection(e.currentTarget.value as Direction)} w={150} />
        <NativeSelect label="Depth" data={['1', '2', '3', '5', '10']} value={depth} onChange={(e) => setDepth(e.currentTarget.value)} w={90} />
        <Button type="submit">Show</Button>
      </Group>
      {arn === '' ? (
        <Text size="sm" c="dimmed">Open lineage from a resource's page, or paste an ARN above.</Text>
      ) : q.error ? (
        // No page-given action: a refused start is refused for its own read (DescribeTrainingJob, s3:GetObject, …),
        // which the server's message names, not for QueryLineage; a start not found may be one hidden by its record.
        <ErrorAlert error={lineageProblem(q.error, arn)} />
      ) : !q.data || labelsPending ? (
        <Skeleton height={200} aria-label="Loading lineage" />
      ) : q.data.Vertices.length === 0 ? (
        <Text size="sm">No lineage recorded for {arn}.</Text>
      ) : (
        <LineageGraph vertices={[...start, ...q.data.Vertices]} edges={q.data.Edges} start={arn} locations={locations} onOpen={open} />
      )}
    </Stack>
  );
}
