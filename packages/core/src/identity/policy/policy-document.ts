import type { FieldError } from '@loam/contracts';
import { echo } from '../../kernel/echo.js';
import { ValidationError } from '../../kernel/errors.js';

/** A list of patterns, or (for NotAction / NotResource) everything but them. */
export interface PatternSet {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** From `Action` (negated false) or `NotAction` (negated true). */
  readonly action: PatternSet;
  /** From `Resource` or `NotResource`. */
  readonly resource: PatternSet;
}

/** A parsed, validated IAM identity-policy document. */
export interface PolicyDocument {
  readonly version: '2012-10-17' | '2008-10-17';
  readonly statements: readonly PolicyStatement[];
}

const versions = ['2012-10-17', '2008-10-17'] as const;
const topLevel = new Set(['Version', 'Id', 'Statement']);
const statementKeys = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Principal', 'NotPrincipal']);
/** `service:action`, each side possibly with wildcards; or `*` alone. */
const actionPattern = /^(\*|[a-zA-Z0-9*?-]+:[a-zA-Z0-9*?]+)$/;
const sidPattern = /^[A-Za-z0-9]*$/;
export const maxPolicyDocumentLength = 6144;

/**
 * Parses and validates an IAM policy document given as JSON text (or as an already-parsed value).
 * Accepts what IAM accepts for identity policies, minus `Condition`, which Loam does not evaluate yet
 * and therefore refuses rather than silently ignore.
 *
 * @param field the input field the document came from, used in error paths (`/PolicyDocument/Statement/0/Effect`).
 * @throws ValidationError naming the path, the value received and what is allowed.
 */
export function parsePolicyDocument(source: unknown, field = 'PolicyDocument'): PolicyDocument {
  const fail = (path: string, message: string): never => {
    const full = `/${field}${path}`;
    const fields: FieldError[] = [{ path: full, message }];
    throw new ValidationError(`Policy document: ${path === '' ? '' : `'${path}' `}${message}`, fields);
  };
  let doc: unknown = source;
  if (typeof source === 'string') {
    if (source.length > maxPolicyDocumentLength) fail('', `is ${source.length} characters; the most allowed is ${maxPolicyDocumentLength}.`);
    try {
      doc = JSON.parse(source);
    } catch (e) {
      fail('', `is not valid JSON (${(e as Error).message}).`);
    }
  }
  if (!isObject(doc)) return fail('', 'must be a JSON object with Version and Statement.');
  for (const k of Object.keys(doc)) {
    if (!topLevel.has(k)) fail(`/${k}`, `is not a policy element; allowed: ${[...topLevel].join(', ')}.`);
  }
  const version = doc.Version ?? '2008-10-17';
  if (!versions.includes(version as (typeof versions)[number])) {
    fail('/Version', `must be '2012-10-17' or '2008-10-17'; got ${show(version)}.`);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') fail('/Id', `must be a string; got ${show(doc.Id)}.`);
  if (doc.Statement === undefined) fail('/Statement', 'is required.');
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const single = !Array.isArray(doc.Statement);
  if (raw.length === 0) fail('/Statement', 'must hold at least one statement.');
  const sids = new Set<string>();
  const statements = raw.map((s, i) => {
    const at = single ? '/Statement' : `/Statement/${i}`;
    const st = parseStatement(s, at, fail);
    if (st.sid !== undefined && st.sid !== '') {
      if (sids.has(st.sid)) fail(`${at}/Sid`, `'${st.sid}' is used by another statement; Sids must be unique in a policy.`);
      sids.add(st.sid);
    }
    return st;
  });
  return { version: version as PolicyDocument['version'], statements };
}

type Fail = (path: string, message: string) => never;

function parseStatement(s: unknown, at: string, fail: Fail): PolicyStatement {
  if (!isObject(s)) return fail(at, `must be an object with Effect, Action and Resource; got ${show(s)}.`);
  for (const k of Object.keys(s)) {
    if (!statementKeys.has(k)) fail(`${at}/${k}`, `is not a statement element; allowed: Sid, Effect, Action, NotAction, Resource, NotResource.`);
  }
  if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
    fail(`${at}/${s.Principal !== undefined ? 'Principal' : 'NotPrincipal'}`, 'must not be given: an identity policy applies to the users it is attached to.');
  }
  if (s.Condition !== undefined) fail(`${at}/Condition`, 'is not supported yet; remove it or express the rule with Action and Resource.');
  if (s.Sid !== undefined && (typeof s.Sid !== 'string' || !sidPattern.test(s.Sid))) {
    fail(`${at}/Sid`, `must be letters and digits only; got ${show(s.Sid)}.`);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail(`${at}/Effect`, `must be 'Allow' or 'Deny'; got ${show(s.Effect)}.`);
  const action = oneOf(s, at, 'Action', 'NotAction', fail);
  for (const [i, a] of action.patterns.entries()) {
    if (!actionPattern.test(a)) {
      fail(`${at}/${action.negated ? 'NotAction' : 'Action'}${action.list ? `/${i}` : ''}`, `must be '*' or 'service:action' (wildcards * and ? allowed), e.g. 'sagemaker:Describe*'; got ${show(a)}.`);
    }
  }
  const resource = oneOf(s, at, 'Resource', 'NotResource', fail);
  for (const [i, r] of resource.patterns.entries()) {
    if (r !== '*' && !r.startsWith('arn:')) {
      fail(`${at}/${resource.negated ? 'NotResource' : 'Resource'}${resource.list ? `/${i}` : ''}`, `must be '*' or an ARN such as 'arn:loam:sagemaker:*:*:training-job/*'; got ${show(r)}.`);
    }
  }
  return {
    ...(typeof s.Sid === 'string' ? { sid: s.Sid } : {}),
    effect: s.Effect as 'Allow' | 'Deny',
    action: { negated: action.negated, patterns: action.patterns },
    resource: { negated: resource.negated, patterns: resource.patterns },
  };
}

function oneOf(s: Record<string, unknown>, at: string, pos: string, neg: string, fail: Fail): PatternSet & { list: boolean } {
  const has = s[pos] !== undefined;
  const hasNot = s[neg] !== undefined;
  if (has && hasNot) fail(`${at}/${neg}`, `cannot be given together with ${pos}.`);
  if (!has && !hasNot) fail(`${at}/${pos}`, `is required (or ${neg}).`);
  const key = has ? pos : neg;
  const v = s[key];
  const list = Array.isArray(v);
  const patterns = list ? (v as unknown[]) : [v];
  if (patterns.length === 0) fail(`${at}/${key}`, 'must not be empty.');
  patterns.forEach((p, i) => {
    if (typeof p !== 'string' || p.length === 0) fail(`${at}/${key}${list ? `/${i}` : ''}`, `must be a non-empty string; got ${show(p)}.`);
  });
  return { negated: !has, patterns: patterns as string[], list };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : echo(s);
}
