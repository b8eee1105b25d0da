/* MLflow filter words Studio writes, kept apart from the API client so pure code (and its tests) can use them. */

/** The tag the platform puts on the run a training job produced. */
export const jobArnTag = 'loam.training_job_arn';

/** A string literal in MLflow's filter grammar. */
export const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
