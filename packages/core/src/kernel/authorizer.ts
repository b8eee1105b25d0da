import type { Principal } from './context.js';

/**
 * The caller's permission for an IAM action on a resource ARN (the server's policy evaluator). Resolves
 * when allowed; throws AccessDeniedException when refused.
 */
export type ActionAuthorizer = (principal: Principal, action: string, resource: string) => Promise<void>;

/**
 * Whether the caller may `action` on `resource`: a refusal is false, any other failure is thrown. For
 * answers that list things, where what the caller may not see is left out rather than refused.
 */
export async function isAllowed(authorize: ActionAuthorizer | undefined, principal: Principal, action: string, resource: string): Promise<boolean> {
  try {
    await authorize?.(principal, action, resource);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'AccessDeniedException') return false;
    throw e;
  }
}
