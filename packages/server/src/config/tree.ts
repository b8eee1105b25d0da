// Each layer (file, env, flags) becomes a tree of branches and leaves in which every leaf remembers where
// it came from. Layers merge before validation, so validation sees one tree and can name the source of
// every value it rejects.

/** Where a config value came from. */
export type ConfigSource = 'default' | `file ${string}` | `env ${string}` | `flag --${string}`;

export interface Leaf {
  readonly kind: 'leaf';
  readonly value: unknown;
  readonly source: ConfigSource;
  /** The value is text to be coerced to the schema's type (env, flags, `${VAR}` in a file). */
  readonly coerce: boolean;
  /** An issue was already reported for this value (e.g. an unset `${VAR}`); validation skips it. */
  readonly failed?: boolean;
}

export interface Branch {
  readonly kind: 'branch';
  readonly children: Map<string, Node>;
  /** The layer that first declared this object; named when one of its required keys is missing. */
  readonly source: ConfigSource;
}

export type Node = Leaf | Branch;

export function leaf(value: unknown, source: ConfigSource, coerce = false): Leaf {
  return { kind: 'leaf', value, source, coerce };
}

export function branch(source: ConfigSource, children = new Map<string, Node>()): Branch {
  return { kind: 'branch', children, source };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds a tree from plain data; `null` and `undefined` mean "not set". Arrays are leaves. */
export function fromPlain(value: unknown, source: ConfigSource): Node | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) return leaf(value, source);
  const children = new Map<string, Node>();
  for (const [key, child] of Object.entries(value)) {
    const node = fromPlain(child, source);
    if (node) children.set(key, node);
  }
  return branch(source, children);
}

/**
 * Sets a leaf at `path`, creating branches on the way. Returns the source of a value that blocks
 * the path (a leaf where a branch is needed), or undefined on success.
 */
export function setPath(root: Branch, path: readonly string[], value: Leaf): ConfigSource | undefined {
  let at = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    let next = at.children.get(key);
    if (next === undefined) {
      next = branch(value.source);
      at.children.set(key, next);
    }
    if (next.kind === 'leaf') return next.source;
    at = next;
  }
  const last = path[path.length - 1]!;
  const existing = at.children.get(last);
  if (existing?.kind === 'branch') return existing.source;
  at.children.set(last, value);
  return undefined;
}

function explicitType(node: Branch): unknown {
  const type = node.children.get('type');
  return type?.kind === 'leaf' ? type.value : undefined;
}

/**
 * Merges `higher` over `lower`. Objects merge key by key; anything else is replaced whole (arrays
 * too). When both layers name a backend `type` and they differ, the higher layer replaces the whole
 * section: switching backend must not inherit the old backend's keys.
 */
export function merge(lower: Node | undefined, higher: Node | undefined): Node | undefined {
  if (higher === undefined) return lower;
  if (lower === undefined || lower.kind === 'leaf' || higher.kind === 'leaf') return higher;
  const lowerType = explicitType(lower);
  const higherType = explicitType(higher);
  if (lowerType !== undefined && higherType !== undefined && lowerType !== higherType) return higher;
  const children = new Map(lower.children);
  for (const [key, child] of higher.children) {
    const merged = merge(children.get(key), child);
    if (merged) children.set(key, merged);
  }
  return branch(lower.source, children);
}

/** The source of the first leaf under a node, for messages about a whole object. */
export function firstSource(node: Node): ConfigSource {
  if (node.kind === 'leaf') return node.source;
  for (const child of node.children.values()) return firstSource(child);
  return node.source;
}
