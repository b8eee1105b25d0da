import type { Principal } from '../../kernel/context.js';
import { AccessDeniedError } from '../../kernel/errors.js';
import type { PatternSet, PolicyDocument, PolicyStatement } from './policy-document.js';
import { actionMatches, resourcePrefixMatch, resourceMatches } from './wildcard.js';

/** The outcome of evaluating a request against a set of policies. */
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/**
 * IAM's evaluation for identity policies: a matching Deny anywhere wins; otherwise a matching Allow
 * allows; otherwise the request is denied by default.
 */
export function evaluate(policies: readonly PolicyDocument[], action: string, resource: string): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (!applies(st, action, resource)) continue;
      if (st.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * Throws unless `policies` allow `principal` to perform `action` on `resource`, with the message AWS
 * gives: `User: <arn> is not authorized to perform: <action> on resource: <resource>`, ending in
 * ` with an explicit deny` when a Deny statement matched.
 *
 * @throws AccessDeniedError
 */
export function authorize(principal: Principal, policies: readonly PolicyDocument[], action: string, resource: string): void {
  const decision = evaluate(policies, action, resource);
  if (decision === 'Allow') return;
  throw new AccessDeniedError(
    `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}${decision === 'ExplicitDeny' ? ' with an explicit deny' : ''}`,
  );
}

/**
 * {@link evaluate} for every resource that starts with `resourcePrefix` at once (the objects under an
 * S3 prefix: a training channel, an output path), decided without listing them: `Allow` only when one
 * Allow statement covers every such resource and no Deny statement can match any of them. It errs
 * towards refusing: an Allow assembled from several statements, each covering part, does not count.
 */
export function evaluatePrefix(policies: readonly PolicyDocument[], action: string, resourcePrefix: string): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (!inSet(st.action, (p) => actionMatches(p, action))) continue;
      const reach = prefixReach(st.resource, resourcePrefix);
      if (st.effect === 'Deny') {
        if (reach !== 'none') return 'ExplicitDeny';
      } else if (reach === 'all') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * Whether `policies` allow `action` on at least one resource that starts with `resourcePrefix` (a list whose
 * answer keeps only the resources the caller may act on, each then checked on its own): `Allow` when an Allow
 * statement can match one of them, unless a Deny statement surely matches all; an Allow that matches none
 * of them does not count.
 */
export function evaluateAny(policies: readonly PolicyDocument[], action: string, resourcePrefix: string): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (!inSet(st.action, (p) => actionMatches(p, action))) continue;
      const reach = prefixReach(st.resource, resourcePrefix);
      if (st.effect === 'Deny') {
        if (reach === 'all') return 'ExplicitDeny';
      } else if (reach !== 'none') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * {@link authorize} for a request that answers only the resources the caller may act on: the action must be
 * allowed on some resource matching `resource`, whose trailing `*` stands for any ending (one without is
 * checked as it is).
 *
 * @throws AccessDeniedError
 */
export function authorizeAny(principal: Principal, policies: readonly PolicyDocument[], action: string, resource: string): void {
  if (!resource.endsWith('*')) return authorize(principal, policies, action, resource);
  const decision = evaluateAny(policies, action, resource.slice(0, -1));
  if (decision === 'Allow') return;
  throw new AccessDeniedError(
    `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}${decision === 'ExplicitDeny' ? ' with an explicit deny' : ''}`,
  );
}

/**
 * Throws unless `policies` allow `action` on the resource (`scope: 'object'`) or on every resource
 * starting with it (`'prefix'`, named with a trailing `*` in the message). `field` (an input path)
 * ends the message, so the caller knows which of the request's locations was refused.
 *
 * @throws AccessDeniedError
 */
export function authorizeData(principal: Principal, policies: readonly PolicyDocument[], action: string, resource: string, scope: 'object' | 'prefix', field: string): void {
  const decision = scope === 'prefix' ? evaluatePrefix(policies, action, resource) : evaluate(policies, action, resource);
  if (decision === 'Allow') return;
  throw new AccessDeniedError(
    `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}${scope === 'prefix' ? '*' : ''}${decision === 'ExplicitDeny' ? ' with an explicit deny' : ''} (${field}: Loam reads and writes it for the caller)`,
  );
}

/** Whether a statement's resources meet all, some or none of the resources starting with the prefix. */
function prefixReach(set: PatternSet, resourcePrefix: string): 'all' | 'some' | 'none' {
  let all = false;
  let some = false;
  for (const p of set.patterns) {
    const r = resourcePrefixMatch(p, resourcePrefix);
    if (r === 'all') all = true;
    if (r !== 'none') some = true;
  }
  if (!set.negated) return all ? 'all' : some ? 'some' : 'none';
  // NotResource: the statement applies where no pattern matches.
  return all ? 'none' : some ? 'some' : 'all';
}

function applies(st: PolicyStatement, action: string, resource: string): boolean {
  return inSet(st.action, (p) => actionMatches(p, action)) && inSet(st.resource, (p) => resourceMatches(p, resource));
}

function inSet(set: PatternSet, matches: (pattern: string) => boolean): boolean {
  const hit = set.patterns.some(matches);
  return set.negated ? !hit : hit;
}
