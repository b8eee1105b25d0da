export interface Substitution {
  readonly value: string;
  /** At least one `${...}` was replaced, so the text may need coercing to the schema's type. */
  readonly substituted: boolean;
  /** Variables that are unset and have no default. */
  readonly missing: readonly string[];
}

// `$${` is a literal `${`. Inside `${...}`: NAME, NAME:-default (unset or empty), NAME-default (unset).
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

/** Replaces `${VAR}`, `${VAR:-default}` and `${VAR-default}` in `text` with values from `env`. */
export function substitute(text: string, env: NodeJS.ProcessEnv): Substitution {
  const missing: string[] = [];
  let substituted = false;
  const value = text.replace(PATTERN, (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    substituted = true;
    const current = env[name];
    if (current !== undefined && !(op === ':-' && current === '')) return current;
    if (op !== undefined) return fallback ?? '';
    missing.push(name);
    return match;
  });
  return { value, substituted, missing };
}
