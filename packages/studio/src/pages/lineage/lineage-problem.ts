import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';

/**
 * The starts QueryLineage answers ResourceNotFound for when the caller may read their ARN but not what only their
 * record names (ADR 0013), as it answers for one that does not exist, so the answer does not tell which: what the
 * user may lack, for each kind.
 */
const hiddenAsMissing: Readonly<Record<string, string>> = {
  'mlflow-run': 'an MLflow run in an MLflow experiment your user may not read',
  experiment: 'an experiment whose MLflow experiment your user may not read',
  'experiment-trial': 'a trial in an MLflow experiment your user may not read',
  'experiment-trial-component': 'a trial component in an MLflow experiment your user may not read',
  artifact: 'an artifact whose location your user may not read (s3:GetObject)',
};

/**
 * What the lineage page tells a user whose query from `start` failed. A start the user may not read by its ARN or
 * location is refused (403) naming the read it lacks, which toUserFacingError turns into the permission to ask
 * for. A start Loam has nothing of is 404, and so is one hidden by its record (an MLflow run in an experiment the
 * user may not read, ...): the page says both, for the kinds where it can be either, instead of "deleted or
 * renamed: go back to the list", and shows the server's sentence (not a field list: the page has one field).
 */
export function lineageProblem(e: unknown, start: string): UserFacingError {
  const u = toUserFacingError(e);
  if (u.code !== 'ResourceNotFound') return u;
  const kind = start.startsWith('arn:') ? (start.split(':')[5] ?? '').split('/')[0] ?? '' : '';
  const hidden = hiddenAsMissing[kind];
  const action = hidden
    ? `Check the ARN. Loam answers the same for ${hidden}, so as not to tell whether it exists: if you should see it, ask an administrator for read access.`
    : `Check the ${start.startsWith('arn:') ? 'ARN' : 'location'}: Loam has nothing of it, and no lineage recorded of it.`;
  return { ...u, fields: {}, action };
}
