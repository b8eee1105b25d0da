export const registryPath = '/model-registry';
export const groupPath = (name: string) => `${registryPath}/${encodeURIComponent(name)}`;
