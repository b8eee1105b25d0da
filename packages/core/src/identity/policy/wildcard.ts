import { sageMakerArnName } from '@loam/contracts';

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
 * Resources compare case-sensitively, as IAM compares ARNs, except the ASCII letters of a SageMaker ARN's
 * resource path: SageMaker's names are case-insensitive and Loam answers their ARNs with ASCII letters
 * lower-cased (`sageMakerArnName`), so `dataset/Secret*` and `dataset/secret*` must say the same thing of
 * `SecretData` however a request spells it. Only ASCII folds, as in the ARN: `experiment/été` and
 * `experiment/Été` are two MLflow experiments with two ARNs, and a policy on one says nothing of the
 * other (`toLowerCase` folded every letter, so an Allow on `été` reached `Été`). A pattern with
 * all six ARN segments is matched segment by segment, so a wildcard in the region cannot swallow the
 * account; the sixth segment (the resource path) may hold colons and slashes and is matched whole.
 * Shorter patterns (`arn:loam:sagemaker:*`) match the whole string, which is what people mean when they
 * write them.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const ps = arnSegments(pattern);
  const rs = arnSegments(resource);
  if (ps === undefined || rs === undefined) return wildcardMatch(pattern, resource);
  for (let i = 0; i < 5; i++) {
    if (!wildcardMatch(ps[i] as string, rs[i] as string)) return false;
  }
  const folded = rs[2] === 'sagemaker';
  return folded ? wildcardMatch(sageMakerArnName(ps[5] as string), sageMakerArnName(rs[5] as string)) : wildcardMatch(ps[5] as string, rs[5] as string);
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

/**
 * How a wildcard pattern meets every text that starts with `prefix` (an S3 prefix: the objects a
 * channel or an output path may name): `'all'` when it surely matches each of them, `'none'` when it
 * matches none, `'some'` otherwise. A set of pattern positions is carried along the prefix (no
 * backtracking, O(prefix × pattern)): none left means no extension matches; one left that starts a
 * run of stars to the end means every extension does. `'some'` may be said of a pattern that in fact
 * matches every extension in a roundabout way (`?*?` after `ab`): callers treat it as "not proven",
 * which refuses rather than allows.
 */
export function wildcardPrefixMatch(pattern: string, prefix: string): 'all' | 'some' | 'none' {
  let states = starClosure(pattern, [0]);
  for (let t = 0; t < prefix.length && states.length > 0; t++) {
    const next: number[] = [];
    for (const p of states) {
      const pc = pattern[p];
      if (pc === '*') next.push(p);
      else if (pc !== undefined && (pc === '?' || pc === prefix[t])) next.push(p + 1);
    }
    states = starClosure(pattern, next);
  }
  if (states.length === 0) return 'none';
  return states.some((p) => onlyStars(pattern, p)) ? 'all' : 'some';
}

/** The positions, plus each reachable by skipping stars (a star may match nothing), without repeats. */
function starClosure(pattern: string, positions: readonly number[]): number[] {
  const seen = new Set<number>();
  for (let p of positions) {
    for (;;) {
      if (seen.has(p)) break;
      seen.add(p);
      if (pattern[p] !== '*') break;
      p++;
    }
  }
  return [...seen];
}

/** At least one star from `from` and nothing else: any extension matches (an empty rest matches only the empty one). */
function onlyStars(pattern: string, from: number): boolean {
  if (from >= pattern.length) return false;
  for (let p = from; p < pattern.length; p++) if (pattern[p] !== '*') return false;
  return true;
}

/**
 * {@link wildcardPrefixMatch} for resources, segment by segment as {@link resourceMatches}: only the
 * sixth segment (the path, where an S3 key lies) grows, so the first five must match as they are. A
 * SageMaker ARN's path compares ASCII letters in any case, as in {@link resourceMatches}: a Deny on
 * `dataset/Protected*` reaches the prefix `dataset/prot` as it reaches the dataset `protected-ds`.
 */
export function resourcePrefixMatch(pattern: string, resourcePrefix: string): 'all' | 'some' | 'none' {
  if (pattern === '*') return 'all';
  const ps = arnSegments(pattern);
  const rs = arnSegments(resourcePrefix);
  if (ps === undefined || rs === undefined) return wildcardPrefixMatch(pattern, resourcePrefix);
  for (let i = 0; i < 5; i++) {
    if (!wildcardMatch(ps[i] as string, rs[i] as string)) return 'none';
  }
  const folded = rs[2] === 'sagemaker';
  return folded ? wildcardPrefixMatch(sageMakerArnName(ps[5] as string), sageMakerArnName(rs[5] as string)) : wildcardPrefixMatch(ps[5] as string, rs[5] as string);
}
