export const modelPath = (name: string) => `/models/${encodeURIComponent(name)}`;
export const endpointConfigPath = (name: string) => `/endpoint-configs/${encodeURIComponent(name)}`;
export const endpointPath = (name: string) => `/endpoints/${encodeURIComponent(name)}`;

/** A name unique enough for a form's first suggestion: `<prefix>-YYYYMMDDhhmmss`. */
export function stampedName(prefix: string, now = new Date()): string {
  return `${prefix}-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}
