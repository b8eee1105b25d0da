import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Card, Code, List, Loader, Text, ThemeIcon, Title } from '@mantine/core';
import { loam } from '../api/client.js';
import { registryPath } from './registry/registry-paths.js';

interface Step {
  readonly key: string;
  readonly label: string;
  readonly how: string;
  readonly to: string;
  /**
   * Whether the step was done: an object it makes reached its successful state (a Completed job, an
   * InService endpoint, an Approved version), asked of the API by status so that its age does not matter.
   */
  readonly exists: (signal: AbortSignal) => Promise<boolean>;
}

// The same steps `loam demo` (run by `npm start` on a fresh data dir) takes, for a user who prefers to click.
// A failed or stopped job, a failed endpoint or a version still pending does not tick its step.
const steps: Step[] = [
  // A dataset exists once its import succeeded (a failed import leaves none).
  { key: 'dataset', label: 'Import and profile a dataset', how: 'Upload datasets/tabular/breast_cancer.csv and open its profile.', to: '/datasets', exists: async (signal) => (await loam.ListDatasets({ MaxResults: 1 }, { signal })).DatasetSummaries.length > 0 },
  // A flow only prepares data once it has run: a saved flow that never ran wrote no CSV to train on.
  { key: 'flow', label: 'Prepare it with a data flow', how: 'Add transforms and a split; run it to write train, validation and batch CSVs without header.', to: '/flows', exists: async (signal) => (await loam.ListFlowRuns({ StatusEquals: 'Completed', MaxResults: 1 }, { signal })).FlowRuns.length > 0 },
  { key: 'training', label: 'Train the built-in XGBoost', how: 'Create a training job with the sagemaker-xgboost image on the train and validation channels.', to: '/training-jobs', exists: async (signal) => (await loam.ListTrainingJobs({ StatusEquals: 'Completed', MaxResults: 1 }, { signal })).TrainingJobSummaries.length > 0 },
  { key: 'tuning', label: 'Tune it', how: 'A few trials, two in parallel, maximizing validation:auc.', to: '/tuning-jobs', exists: async (signal) => (await loam.ListHyperParameterTuningJobs({ StatusEquals: 'Completed', MaxResults: 1 }, { signal })).HyperParameterTuningJobSummaries.length > 0 },
  // Versions in groups too: without a group, ListModelPackages lists only unversioned packages.
  { key: 'registry', label: 'Register and approve the best model', how: 'Add a version to a model package group and approve it.', to: registryPath, exists: async (signal) => (await loam.ListModelPackages({ ModelApprovalStatus: 'Approved', ModelPackageType: 'Both', MaxResults: 1 }, { signal })).ModelPackageSummaryList.length > 0 },
  { key: 'endpoint', label: 'Deploy and invoke an endpoint', how: 'Create a model, an endpoint config and an endpoint; test it from its page.', to: '/endpoints', exists: async (signal) => (await loam.ListEndpoints({ StatusEquals: 'InService', MaxResults: 1 }, { signal })).Endpoints.length > 0 },
  { key: 'transform', label: 'Score a file with batch transform', how: 'Run a transform job over the batch CSV.', to: '/batch-transform', exists: async (signal) => (await loam.ListTransformJobs({ StatusEquals: 'Completed', MaxResults: 1 }, { signal })).TransformJobSummaries.length > 0 },
];

function StepItem({ step }: { step: Step }) {
  const q = useQuery({ queryKey: ['getting-started', step.key], queryFn: ({ signal }) => step.exists(signal), refetchInterval: 10_000, retry: false });
  const done = q.data === true;
  return (
    <List.Item
      icon={
        q.isPending ? (
          <Loader size={20} color="gray" type="oval" aria-hidden />
        ) : (
          <ThemeIcon size={20} radius="xl" color={done ? 'teal.8' : 'gray.6'} variant={done ? 'filled' : 'outline'} aria-hidden>
            {done ? '✓' : ''}
          </ThemeIcon>
        )
      }
    >
      <Anchor component={Link} to={step.to} size="sm" fw={500}>
        {step.label}
      </Anchor>
      <Text span size="sm" aria-busy={q.isPending}>
        {done ? ' — done' : q.isError ? ' — not available to you' : q.isPending ? ' — checking…' : ' — to do'}
      </Text>
      <Text size="xs" c="dimmed">
        {step.how}
      </Text>
    </List.Item>
  );
}

/** Home's checklist: the lifecycle step by step, each linking to its page and ticked once it was done. */
export function GettingStartedPanel() {
  return (
    <Card withBorder radius="md" component="section" aria-label="Getting started">
      <Title order={2} size="h4" mb="xs">
        Getting started
      </Title>
      <Text size="sm" mb="sm">
        <Code>npm start</Code> runs these steps for you on a fresh data directory (<Code>loam demo</Code> runs them again). Or click through them:
      </Text>
      <List spacing="xs" size="sm" center={false}>
        {steps.map((s) => (
          <StepItem key={s.key} step={s} />
        ))}
      </List>
    </Card>
  );
}
