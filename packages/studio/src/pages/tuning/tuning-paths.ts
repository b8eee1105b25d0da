export const tuningJobPath = (name: string) => `/tuning-jobs/${encodeURIComponent(name)}`;
