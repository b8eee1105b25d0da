export const userPath = (name: string) => `/users/${encodeURIComponent(name)}`;
export const policyPath = (name: string) => `/policies/${encodeURIComponent(name)}`;
