/**
 * Headers for bytes a user uploaded (S3 objects, MLflow artifacts) when Loam serves them from the same
 * origin as Studio: the browser may not sniff another type, and a document (HTML, SVG) opened from a
 * link renders sandboxed — no script runs and it gets an opaque origin, so it cannot use the viewer's
 * Studio session (stored XSS, reliability.md S11). API clients ignore both headers.
 */
export const USER_CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': 'sandbox',
};
