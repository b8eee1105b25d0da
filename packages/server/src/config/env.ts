import type { TSchema } from '@sinclair/typebox';
import type { ConfigIssue } from './errors.js';
import { formatPath, propertiesOf, shapeOf, type Shape } from './shape.js';
import { branch, leaf, setPath, type Branch } from './tree.js';

const PREFIX = 'LOAM_';

/** The variable naming the config file (when neither `file` nor `--config` is given); not a config key. */
export const CONFIG_FILE_ENV = 'LOAM_CONFIG';

/**
 * Loam's own `LOAM_*` variables that are not server config keys, so they are neither mapped nor listed as
 * ignored: the config file, the CLI's client settings, and test-harness variables (`LOAM_TEST_*`).
 */
export function isNonConfigEnv(name: string): boolean {
  return name === CONFIG_FILE_ENV || name === 'LOAM_ENDPOINT' || name === 'LOAM_TOKEN' || name.startsWith('LOAM_TEST_');
}

export interface EnvLayer {
  readonly tree: Branch;
  readonly issues: readonly ConfigIssue[];
  /** `LOAM_*` variables without `__` that name no top-level key and are not Loam's own (`isNonConfigEnv`). */
  readonly ignored: readonly string[];
}

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function squash(s: string): string {
  return s.replace(/_/g, '').toLowerCase();
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

// `LOAM_SERVER_PORT` for `LOAM_SERVER__PORT` is the typo most worth catching: a single `_` after a
// section name. Returns the corrected name without the prefix, or undefined.
function nestedTypo(segment: string, schema: TSchema): string | undefined {
  const properties = propertiesOf(shapeOf(schema)) ?? {};
  for (const [key, child] of Object.entries(properties)) {
    const section = snake(key);
    if (shapeOf(child).kind !== 'leaf' && segment.toUpperCase().startsWith(`${section}_`)) {
      return `${section}__${segment.slice(section.length + 1)}`;
    }
  }
  return undefined;
}

/**
 * Maps `LOAM_*` variables onto config paths. `__` separates levels; a segment naming a schema field maps
 * to that field (`DATA_DIR` → `dataDir`, `ALLOWED_HOSTS` → `allowedHosts`), and a segment naming a key of
 * a free-form map (image names, an image's env) is kept as written (`LOAM_IMAGES__PROCESS__trainer__COMMAND`).
 * Empty values count as unset. A variable without `__` that names no top-level key is not config at
 * all (tests and tools share the prefix) and is listed in `ignored`, unless it looks like a section with
 * `_` typed for `__` (`LOAM_SERVER_PORT`); a nested one is an unknown key.
 */
export function envLayer(env: NodeJS.ProcessEnv, schema: TSchema): EnvLayer {
  const tree = branch('default');
  const issues: ConfigIssue[] = [];
  const ignored: string[] = [];
  const names = Object.keys(env).filter((n) => n.startsWith(PREFIX) && !isNonConfigEnv(n)).sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const source = `env ${name}` as const;
    const segments = name.slice(PREFIX.length).split('__');
    if (segments.some((s) => s === '')) {
      issues.push({ path: '', message: `${name} is not a valid config variable name (empty segment around "__")`, source });
      continue;
    }
    const path: string[] = [];
    let at: TSchema | undefined = schema;
    for (const segment of segments) {
      const shape: Shape | undefined = at && shapeOf(at);
      if (shape?.kind === 'record') {
        path.push(segment);
        at = shape.values;
        continue;
      }
      const properties: Readonly<Record<string, TSchema>> | undefined = shape && propertiesOf(shape);
      const match: string | undefined = properties && Object.keys(properties).find((k) => k.toLowerCase() === squash(segment));
      path.push(match ?? camel(segment));
      at = match && properties ? properties[match] : undefined;
    }
    if (segments.length === 1 && at === undefined) {
      const nested = nestedTypo(segments[0]!, schema);
      if (nested) issues.push({ path: '', message: `${name} names no config key; did you mean ${PREFIX}${nested}?`, source });
      else ignored.push(name);
      continue;
    }
    const blocked = setPath(tree, path, leaf(raw, source, true));
    if (blocked) issues.push({ path: formatPath(path), message: `conflicts with the value set by ${blocked}`, source });
  }
  return { tree, issues, ignored };
}
