import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// Tuning, the Model Registry, lineage and batch transform in Chromium against a real Loam: a two-trial
// tuning job of the built-in XGBoost made through the API, its page (trials, chart, parallel coordinates),
// its best model registered as a package, approved in the UI with a comment, deployed, traced in lineage,
// and a transform job of the deployed model.
const rows = readFileSync(join(repoRoot, 'datasets/tabular/diabetes.csv'), 'utf8').trim().split('\n').slice(1);
const role = 'arn:aws:iam::000000000000:role/LoamTests';
const image = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Tuning, registry, lineage and batch transform in Studio', { retry: 0 }, () => {
  let best = '';
  const channels = ['train', 'validation'].map((c) => ({ ChannelName: c, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/diabetes/${c}/` } } }));
  const tuning = (name: string, numRound: string, criteria?: Record<string, unknown>) =>
    ({
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobConfig: {
        Strategy: 'Random',
        HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:rmse' },
        ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
        ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '5' }], ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] },
        ...(criteria ? { TuningJobCompletionCriteria: criteria } : {}),
      },
      TrainingJobDefinition: {
        StaticHyperParameters: { num_round: numRound, objective: 'reg:squarederror', eval_metric: 'rmse' },
        AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
        RoleArn: role,
        InputDataConfig: channels,
        OutputDataConfig: { S3OutputPath: 's3://data/tuning' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      },
    }) as never;

  const studio = useStudio({
    setupTimeout: 180_000,
    async prepare(t) {
      await putCsvObjects(t, 'data', {
        'diabetes/train/train.csv': `${rows.join('\n')}\n`,
        'diabetes/validation/validation.csv': `${rows.slice(0, 100).join('\n')}\n`,
        // Features only (the label is the first column) for batch transform.
        'diabetes/score/score.csv': `${rows.slice(0, 20).map((r) => r.split(',').slice(1).join(',')).join('\n')}\n`,
      });
      // Two trials never reach 3 not improving: the criterion is shown, not met.
      await t.admin.CreateHyperParameterTuningJob(tuning('diabetes-tune', '20', { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 } }));
    },
  });
  const { check, heading, nav } = studio;

  it('shows a tuning job: counters, best job, trials sorted by objective, chart, parallel coordinates', async () => {
    const { t, page } = studio;
    await nav('Tuning jobs').click();
    await heading('Tuning jobs').waitFor();
    await page.getByRole('link', { name: 'diabetes-tune' }).click();
    await heading('diabetes-tune').waitFor();
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText('Completed', { exact: true }).first().waitFor({ timeout: 240_000 });
    const d = (await t.admin.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'diabetes-tune' })) as { BestTrainingJob?: { TrainingJobName: string } };
    best = d.BestTrainingJob!.TrainingJobName;
    const table = page.getByRole('table', { name: 'Trials' });
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    // Minimizing RMSE: best first puts the best job in the first data row.
    await expect.poll(() => table.getByRole('row').nth(1).getByRole('link').textContent()).toBe(best);
    await page.getByRole('region', { name: 'Best training job' }).getByRole('link', { name: best }).waitFor();
    await page.getByRole('img', { name: /validation:rmse by trial/ }).waitFor();
    await page.getByRole('img', { name: /Parallel coordinates of eta, max_depth against validation:rmse/ }).waitFor();
    await page.getByRole('region', { name: 'Completion criteria' }).getByText(/^Ends after 3 trials in a row do not beat the best: [01] so far\.$/).waitFor();
    await check('g01-tuning-job');
    await table.getByRole('link', { name: best }).click();
    await heading(best).waitFor();
  }, 300_000);

  it('approves a registered version with a comment and shows the history', async () => {
    const { t, page } = studio;
    const job = (await t.admin.DescribeTrainingJob({ TrainingJobName: best })) as { ModelArtifacts?: { S3ModelArtifacts: string } };
    await t.admin.CreateModelPackageGroup({ ModelPackageGroupName: 'diabetes-models', ModelPackageGroupDescription: 'Diabetes progression regressors' });
    await t.admin.CreateModelPackage({
      ModelPackageGroupName: 'diabetes-models',
      InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: job.ModelArtifacts!.S3ModelArtifacts }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      CustomerMetadataProperties: { 'validation-rmse': '55.5' },
    } as never);
    await nav('Model registry').click();
    await heading('Model registry').waitFor();
    await page.getByRole('link', { name: 'diabetes-models' }).click();
    await heading('diabetes-models').waitFor();
    const versions = page.getByRole('table', { name: 'Versions of diabetes-models' });
    await versions.getByText('validation-rmse').waitFor();
    await versions.getByText('55.5').waitFor();
    await page.getByRole('button', { name: 'Approve diabetes-models version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve diabetes-models version 1' });
    await dialog.getByRole('textbox', { name: 'Comment' }).fill('RMSE within budget');
    await check('g02-approve-dialog');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('table', { name: 'Approval history of diabetes-models' }).getByText('RMSE within budget').waitFor();
    const p = (await t.admin.DescribeModelPackage({ ModelPackageName: 'diabetes-models/1' })) as { ModelApprovalStatus?: string; ApprovalDescription?: string };
    expect([p.ModelApprovalStatus, p.ApprovalDescription]).toEqual(['Approved', 'RMSE within budget']);
    await check('g03-registry-group');
  });

  it('deploys the version (a model, its endpoint) and traces its lineage', async () => {
    const { t, page } = studio;
    await page.getByRole('button', { name: 'Deploy diabetes-models version 1' }).click();
    const deploy = page.getByRole('dialog', { name: 'Deploy diabetes-models version 1' });
    const modelName = await deploy.getByRole('textbox', { name: 'Model name' }).inputValue();
    const endpoint = await deploy.getByRole('textbox', { name: 'Endpoint name' }).inputValue();
    await deploy.getByRole('button', { name: 'Deploy' }).click();
    await heading(endpoint).waitFor();
    const m = (await t.admin.DescribeModel({ ModelName: modelName })) as { PrimaryContainer?: { ModelPackageName?: string } };
    expect(m.PrimaryContainer?.ModelPackageName).toMatch(/model-package\/diabetes-models\/1$/);
    // From the best trial's page: its data flowed into the job, the job's model into the package and the model.
    await page.goto(`${new URL(page.url()).origin}/training-jobs/${best}`);
    await page.getByRole('link', { name: 'Open the lineage graph' }).click();
    await heading('Lineage').waitFor();
    const graph = page.getByRole('group', { name: new RegExp(`Lineage graph of ${best}`) });
    await graph.waitFor();
    await graph.getByRole('button', { name: /^ModelPackage / }).first().waitFor();
    // Artifacts are labelled by their locations, which DescribeArtifact gives (QueryLineage's vertices carry none).
    await graph.getByRole('button', { name: 'DataSet diabetes/train' }).waitFor();
    await graph.getByRole('button', { name: 'Model output/model.tar.gz' }).first().waitFor();
    await check('g04-lineage');
    await t.admin.CreateTransformJob({
      TransformJobName: 'diabetes-score',
      ModelName: modelName,
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/diabetes/score/' } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: 's3://data/diabetes/predictions/' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    } as never);
    await nav('Batch transform').click();
    await heading('Batch transform').waitFor();
    await page.getByRole('link', { name: 'diabetes-score' }).click();
    await heading('diabetes-score').waitFor();
    await page.getByRole('region', { name: 'Summary' }).getByText(/^(Completed|Failed)$/).first().waitFor({ timeout: 120_000 });
    const tj = (await t.admin.DescribeTransformJob({ TransformJobName: 'diabetes-score' })) as { TransformJobStatus: string; FailureReason?: string };
    expect(tj.TransformJobStatus, tj.FailureReason ?? '').toBe('Completed');
    await page.getByRole('log', { name: 'Log of diabetes-score' }).getByText(/Transform complete: 1 file\(s\), 20 record\(s\)/).waitFor();
    await page.getByRole('region', { name: 'Output' }).getByText(/diabetes\/predictions/).waitFor();
    await check('g05-transform-job');
  }, 240_000);

  it('stops a running tuning job after confirmation', async () => {
    const { t, page } = studio;
    await t.admin.CreateHyperParameterTuningJob(tuning('long-tune', '100000'));
    await page.goto(`${new URL(page.url()).origin}/tuning-jobs/long-tune`);
    await heading('long-tune').waitFor();
    const stop = page.getByRole('button', { name: 'Stop', exact: true });
    await expect.poll(() => stop.isEnabled()).toBe(true);
    await stop.click();
    const dialog = page.getByRole('dialog', { name: 'Stop tuning job long-tune?' });
    await dialog.getByText('every running trial is stopped').waitFor();
    await dialog.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('region', { name: 'Summary' }).getByText('Stopped', { exact: true }).first().waitFor({ timeout: 120_000 });
    const d = (await t.admin.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'long-tune' })) as { TrainingJobStatusCounters: { InProgress: number } };
    expect(d.TrainingJobStatusCounters.InProgress).toBe(0);
    await check('g06-tuning-stopped');
  }, 240_000);

  itHadNoConsoleErrors(studio);
});
