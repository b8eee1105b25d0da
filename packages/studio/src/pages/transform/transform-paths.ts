export const transformJobsPath = '/batch-transform';
export const transformJobPath = (name: string) => `${transformJobsPath}/${encodeURIComponent(name)}`;
