import type { Principal } from '../../kernel/context.js';
import { AccessDeniedError } from '../../kernel/errors.js';
import type { PatternSet, PolicyDocument, PolicyStatement } from './policy-document.js';
import { actionMatches, resourceMatches } from './wildcard.js';

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

function applies(st: PolicyStatement, action: string, resource: string): boolean {
  return inSet(st.action, (p) => actionMatches(p, action)) && inSet(st.resource, (p) => resourceMatches(p, resource));
}

function inSet(set: PatternSet, matches: (pattern: string) => boolean): boolean {
  const hit = set.patterns.some(matches);
  return set.negated ? !hit : hit;
}
