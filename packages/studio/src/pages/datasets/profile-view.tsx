import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Checkbox, Group, NativeSelect, Skeleton, Stack, Text, Title } from '@mantine/core';
import { loam } from '../../api/client.js';
import { toUserFacingError } from '../../schema/problems.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ColumnCards } from './profile-columns.js';
import { CorrelationHeatmap, LeakageTable, MissingChart, QualityTable, QuickModel } from './profile-sections.js';
import { short } from './profile-types.js';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title}>
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** The profile of one version, computed by DuckDB on the server; with a target, leakage and a quick GBDT. */
export function ProfileView({ name, version, columns }: { name: string; version: number; columns: readonly string[] }) {
  const [target, setTarget] = useState('');
  const [quick, setQuick] = useState(true);
  const [asked, setAsked] = useState<{ target: string; quick: boolean }>({ target: '', quick: false });
  const input = { DatasetName: name, Version: version, ...(asked.target ? { TargetColumn: asked.target, ...(asked.quick ? { QuickModel: true } : {}) } : {}) };
  const q = useQuery({ queryKey: ['GetDatasetProfile', input], queryFn: ({ signal }) => loam.GetDatasetProfile(input, { signal }), staleTime: 60_000 });
  const p = q.data?.Profile;
  return (
    <Stack gap="md">
      <Group align="flex-end" gap="sm">
        <NativeSelect label="Target column" data={[{ value: '', label: '(none)' }, ...columns.map((c) => ({ value: c, label: c }))]} value={target} onChange={(e) => setTarget(e.currentTarget.value)} w={220} />
        <Checkbox label="Train a quick model (GBDT)" checked={quick} onChange={(e) => setQuick(e.currentTarget.checked)} mb={8} />
        <Button variant="default" onClick={() => setAsked({ target, quick })} loading={q.isFetching}>
          Analyze
        </Button>
      </Group>
      {q.error && <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeDataset' })} />}
      {!p && q.isPending && <Skeleton height={300} aria-label="Computing the profile" />}
      {p && (
        <>
          <Text size="sm" role="status">
            Version {p.Version}: {short(p.RowCount)} rows, {p.Columns.length} columns, {short(p.DuplicateRows)} duplicate rows.
          </Text>
          <Section title="Columns">
            <ColumnCards columns={p.Columns} />
          </Section>
          <Section title="Missing values">
            <MissingChart p={p} />
          </Section>
          <Section title="Correlations">
            <CorrelationHeatmap p={p} />
          </Section>
          <Section title="Duplicates and outliers">
            <QualityTable p={p} />
          </Section>
          {p.TargetColumn && (
            <>
              <Section title="Target leakage">
                <LeakageTable p={p} />
              </Section>
              <Section title="Quick model">
                <QuickModel p={p} />
              </Section>
            </>
          )}
        </>
      )}
    </Stack>
  );
}
