/**
 * IAM's wildcard match: `*` is any run of characters (even none), `?` exactly one. No other character
 * is special. Two pointers with one backtrack point, so a hostile pattern costs O(pattern × text) at
 * worst and never the exponential time a naive regex translation can take.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      star = p++;
      mark = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Actions compare case-insensitively (`SageMaker:listmodels` is `sagemaker:ListModels`), as in IAM. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), action.toLowerCase());
}

/**
 * Resources compare case-sensitively. A pattern with all six ARN segments is matched segment by
 * segment, so a wildcard in the region cannot swallow the account; the sixth segment (the resource
 * path) may hold colons and slashes and is matched whole. Shorter patterns (`arn:loam:sagemaker:*`)
 * match the whole string, which is what people mean when they write them.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const ps = arnSegments(pattern);
  const rs = arnSegments(resource);
  if (ps === undefined || rs === undefined) return wildcardMatch(pattern, resource);
  for (let i = 0; i < 6; i++) {
    if (!wildcardMatch(ps[i] as string, rs[i] as string)) return false;
  }
  return true;
}

function arnSegments(s: string): string[] | undefined {
  if (!s.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const at = s.indexOf(':', from);
    if (at < 0) return undefined;
    parts.push(s.slice(from, at));
    from = at + 1;
  }
  parts.push(s.slice(from));
  return parts;
}
