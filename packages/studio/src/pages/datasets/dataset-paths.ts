export const datasetPath = (name: string) => `/datasets/${encodeURIComponent(name)}`;
export const flowPath = (name: string) => `/flows/${encodeURIComponent(name)}`;
