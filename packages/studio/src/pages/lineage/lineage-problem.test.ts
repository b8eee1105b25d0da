import { describe, expect, it } from 'vitest';
import { lineageProblem } from './lineage-problem.js';

const user = 'arn:loam:iam::000000000000:user/bob';
const sm = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/${name}`;
const why = '(StartArns/0: a lineage query starts only from what the caller may read)';
const notFound = (start: string) => ({ code: 'ResourceNotFound', status: 404, message: `Lineage entity '${start}' does not exist (StartArns/0).`, fields: [{ path: '/StartArns/0', message: 'no such lineage entity' }] });

/*
 * QueryLineage answers a start hidden by its MLflow experiment as a missing one (404, ed168b77), and refuses a
 * start whose ARN the caller may not read naming the read it lacks (403). The page told a user of a hidden run that
 * it "may have been deleted or renamed: go back to the list and refresh", under a field list ("No such lineage entity").
 */
describe('what the lineage page tells a user whose start Loam refused or does not have', () => {
  it('a 404 from a start hidden by its record or missing says both, with the server sentence', () => {
    for (const [start, lacks] of [
      [sm('mlflow-run', 'f'.repeat(32)), 'an MLflow run in an MLflow experiment your user may not read'],
      [sm('experiment-trial', 'alice-trial'), 'a trial in an MLflow experiment your user may not read'],
      [sm('experiment', 'alice-exp'), 'an experiment whose MLflow experiment your user may not read'],
      [sm('experiment-trial-component', 'tc'), 'a trial component in an MLflow experiment your user may not read'],
      [sm('artifact', 'abc'), 'an artifact whose location your user may not read (s3:GetObject)'],
    ] as const) {
      const u = lineageProblem(notFound(start), start);
      expect([u.title, u.detail, u.fields]).toEqual(['Not found', `Lineage entity '${start}' does not exist (StartArns/0).`, {}]);
      expect(u.action).toBe(`Check the ARN. Loam answers the same for ${lacks}, so as not to tell whether it exists: if you should see it, ask an administrator for read access.`);
    }
  });

  it('a 404 from a resource or a location says Loam has nothing of it', () => {
    expect(lineageProblem(notFound(sm('training-job', 'gone')), sm('training-job', 'gone')).action).toBe('Check the ARN: Loam has nothing of it, and no lineage recorded of it.');
    expect(lineageProblem(notFound('s3://data/none.csv'), 's3://data/none.csv').action).toBe('Check the location: Loam has nothing of it, and no lineage recorded of it.');
  });

  it('a 403 names the read the server refused on the ARN, as the server words it now', () => {
    const run = sm('mlflow-run', 'a'.repeat(32));
    const u = lineageProblem({ code: 'AccessDeniedException', status: 403, message: `User: ${user} is not authorized to perform: sagemaker:GetMlflowRun on resource: ${run} ${why}` }, run);
    expect([u.title, u.action]).toEqual(['Not allowed', `Ask an administrator to attach a policy that allows sagemaker:GetMlflowRun on ${run} to your user.`]);
    const trial = sm('experiment-trial', 'alice-trial');
    expect(lineageProblem({ code: 'AccessDeniedException', status: 403, message: `User: ${user} is not authorized to perform: sagemaker:DescribeTrial on resource: ${trial} with an explicit deny ${why}` }, trial).action)
      .toBe(`A policy denies sagemaker:DescribeTrial on ${trial} to your user, and no allow overrides a deny: ask an administrator to lift it.`);
  });
});
