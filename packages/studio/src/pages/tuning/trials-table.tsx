import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import { Anchor, Table, UnstyledButton } from '@mantine/core';
import { StatusBadge } from '../../patterns/status-badge.js';
import { formatNumeric } from '../../schema/format.js';
import { trainingJobPath } from '../jobs/job-paths.js';
import { byObjective, type Trial } from './trials.js';

/** A hyperparameter or objective value, shortened to significant digits; the exact value is its title. */
function Value({ v }: { v: string | number | undefined }) {
  if (v === undefined) return <Table.Td>—</Table.Td>;
  const shown = formatNumeric(v);
  return (
    <Table.Td title={shown === String(v) ? undefined : String(v)} style={{ fontVariantNumeric: 'tabular-nums' }}>
      {shown}
    </Table.Td>
  );
}

/** Every trial with its tuned hyperparameters and objective; the objective header sorts best or worst first. */
export function TrialsTable({ trials, params, metric, minimize, bestName }: { trials: readonly Trial[]; params: readonly string[]; metric: string; minimize: boolean; bestName?: string | undefined }) {
  const [bestFirst, setBestFirst] = useState(true);
  const rows = byObjective(trials, minimize, bestFirst ? !minimize : minimize);
  // A job with several TrainingJobDefinitions says which one each trial ran.
  const definitions = trials.some((t) => t.TrainingJobDefinitionName !== undefined);
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label="Trials">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Training job</Table.Th>
            {definitions && <Table.Th>Definition</Table.Th>}
            <Table.Th>Status</Table.Th>
            {params.map((p) => (
              <Table.Th key={p}>{p}</Table.Th>
            ))}
            <Table.Th aria-sort={bestFirst === !minimize ? 'descending' : 'ascending'}>
              <UnstyledButton onClick={() => setBestFirst((b) => !b)} fw={600} fz="sm">
                {metric} {bestFirst ? '(best first)' : '(worst first)'}
              </UnstyledButton>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((t) => (
            <Table.Tr key={t.TrainingJobName}>
              <Table.Td>
                <Anchor component={Link} to={trainingJobPath(t.TrainingJobName)} fw={t.TrainingJobName === bestName ? 700 : 500}>
                  {t.TrainingJobName}
                </Anchor>
                {t.TrainingJobName === bestName && ' ★ best'}
              </Table.Td>
              {definitions && <Table.Td>{t.TrainingJobDefinitionName ?? '—'}</Table.Td>}
              <Table.Td>
                <StatusBadge status={t.TrainingJobStatus} />
              </Table.Td>
              {params.map((p) => (
                <Value key={p} v={t.TunedHyperParameters[p]} />
              ))}
              <Value v={t.FinalHyperParameterTuningJobObjectiveMetric?.Value} />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
