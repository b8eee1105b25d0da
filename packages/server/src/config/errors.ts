import type { ConfigSource } from './tree.js';

/** One problem found while loading the configuration. */
export interface ConfigIssue {
  /** Dotted path of the offending key (`server.port`), or `''` for the file as a whole. */
  readonly path: string;
  /** What is wrong, starting with a verb (`must be at most 65535; got 70000`); never holds a secret. */
  readonly message: string;
  /** Where the offending value came from. */
  readonly source: ConfigSource;
}

export function formatIssue(issue: ConfigIssue): string {
  const subject = issue.path === '' ? '' : `${issue.path} `;
  return `${subject}${issue.message} (from ${issue.source})`;
}

/**
 * The configuration is invalid. Thrown once with every issue found, so a user fixes them all in one
 * pass; the message lists each issue with its path and source, and never contains a secret value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** SageMaker-style error code, matching the core error table's validation code. */
  readonly code = 'ValidationException';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    super(`Invalid configuration (${count}):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}
