/**
 * The model group tag that decides which registered versions may be deployed. SageMaker's rule (a
 * versioned package must be Approved) is the default; a group tagged
 * `loam:deployment-approval = not-required` also lets its pending versions deploy. Core's deploy gate
 * enforces it (`core/src/registry/approval-rules.ts`); Studio reads it to offer or withhold Deploy.
 * Both take the name and value from here, so they cannot drift apart.
 */
export const DEPLOYMENT_APPROVAL_TAG = 'loam:deployment-approval';

/** The tag's value (compared case-insensitively) that lets pending versions of the group deploy. */
export const DEPLOYMENT_APPROVAL_NOT_REQUIRED = 'not-required';

/** The tag's value that keeps SageMaker's default rule; the same as leaving the tag unset. */
export const DEPLOYMENT_APPROVAL_REQUIRED = 'required';
