import { describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { itHadNoConsoleErrors, screenshot, useStudio, waitForPage, watchPage } from './browser.test-support.js';

// Studio's lineage page, in Chromium against a real Loam, for a user who may query lineage but may not read the
// start: QueryLineage refuses a start the caller may not read (403, naming the read it lacks: DescribeTrainingJob
// on a job, s3:GetObject on a location), and the page says which permission to ask for. Before, it told them to
// ask for sagemaker:QueryLineage, which they had. A start it answers ResourceNotFound for may be missing or hidden
// by its record (an MLflow run in an experiment the user may not read): the page says both.
describe('Lineage from a start the user may not read', () => {
  const studio = useStudio();

  it('names the read the server refused, not QueryLineage', async (ctx) => {
    const { t, browser } = studio;
    const user = nameForAttempt(ctx.task, 'lineage-reader');
    // Everything but reading training jobs and objects; an implicit deny, so an allow would fix it.
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: ['sagemaker:DescribeTrainingJob', 's3:GetObject'], Resource: '*' }] };
    await t.admin.CreateUser({ UserName: user });
    await t.admin.CreatePolicy({ PolicyName: `${user}-policy`, PolicyDocument: JSON.stringify(policy) });
    await t.admin.AttachUserPolicy({ UserName: user, PolicyName: `${user}-policy` });
    const link = await t.admin.CreateLoginLink({ UserName: user });
    const job = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/their-job';
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const watch = watchPage(page);
      watch.expect('403 POST /api/v1/lineage/query');
      await page.goto(link.AuthorizedUrl);
      await page.getByRole('button', { name: `Sign in as ${user}` }).click();
      await page.getByRole('heading', { level: 1, name: `Welcome, ${user}` }).waitFor();

      await page.goto(`${t.url}/lineage?arn=${encodeURIComponent(job)}`);
      const alert = page.getByRole('alert').filter({ hasText: 'Not allowed' });
      await alert.getByText(`Ask an administrator to attach a policy that allows sagemaker:DescribeTrainingJob on ${job} to your user.`, { exact: true }).waitFor();
      // The server's own words stay above the hint.
      await alert.getByText(`is not authorized to perform: sagemaker:DescribeTrainingJob on resource: ${job}`, { exact: false }).waitFor();
      expect(await alert.getByText('sagemaker:QueryLineage', { exact: false }).count()).toBe(0);
      await screenshot(page, 'lineage-denied-job');

      // A location: its read is s3:GetObject on the object.
      const field = page.getByRole('textbox', { name: 'Start from (ARN or s3:// location)' });
      await field.fill('s3://data/secret/rows.csv');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await waitForPage(page, `new URLSearchParams(location.search).get('arn') === 's3://data/secret/rows.csv'`);
      await alert.getByText('Ask an administrator to attach a policy that allows s3:GetObject on arn:loam:s3:::data/secret/rows.csv to your user.', { exact: true }).waitFor();
      expect(await alert.getByText('sagemaker:QueryLineage', { exact: false }).count()).toBe(0);

      // An MLflow run the user may read by its ARN: one Loam does not have answers 404, as one in an MLflow
      // experiment the user may not read does (so as not to tell it exists); the page says both, with the server's
      // sentence, not "deleted or renamed: go back to the list".
      watch.expect('404 POST /api/v1/lineage/query');
      const run = `arn:loam:sagemaker:us-east-1:000000000000:mlflow-run/${'f'.repeat(32)}`;
      await field.fill(run);
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      const missing = page.getByRole('alert').filter({ hasText: 'Not found' });
      await missing.getByText(`Lineage entity '${run}' does not exist (StartArns/0).`, { exact: true }).waitFor();
      await missing.getByText('Check the ARN. Loam answers the same for an MLflow run in an MLflow experiment your user may not read, so as not to tell whether it exists: if you should see it, ask an administrator for read access.', { exact: true }).waitFor();
      expect(await missing.getByText('deleted or renamed', { exact: false }).count()).toBe(0);
      await screenshot(page, 'lineage-hidden-or-missing-run');
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  itHadNoConsoleErrors(studio);
});
