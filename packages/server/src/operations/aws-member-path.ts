/**
 * Where a member is, named as AWS's validation names it in a ValidationException ("Value null at
 * 'tags.1.member.value' failed to satisfy constraint: …"): members in lowerCamelCase (the first letter lowered,
 * so `KMSKeyArn` is `kMSKeyArn`, as AWS writes it), a list element as its 1-based position and `member`, and a
 * map as the map itself, the key said apart (AWS reports a map's keys and values at the map: "at 'hyperParameters'
 * failed to satisfy constraint: Map value must satisfy constraint: […]"). The input's schema says which segment of
 * the JSON pointer is a member, a list position or a map key; a member the schema does not declare is named as
 * the caller sent it.
 */
export interface MemberPath {
  /** The dotted path (`tags.1.member.value`), or `input` for the input as a whole. */
  readonly at: string;
  /** When the pointer goes into a map's entry: the entry's key (`at` names the map). */
  readonly mapKey?: string;
  /** When the pointer goes on inside a map's value: the rest, named the same way. */
  readonly inValue?: string;
}

interface Node {
  readonly type?: unknown;
  readonly properties?: Record<string, Node>;
  readonly patternProperties?: Record<string, Node>;
  readonly items?: Node;
  readonly anyOf?: readonly Node[];
  readonly allOf?: readonly Node[];
  readonly $ref?: string;
  readonly $id?: string;
}

/** The AWS path of `pointer` (a JSON pointer into an input of `schema`, as TypeBox reports errors). */
export function awsMemberPath(schema: unknown, pointer: string): MemberPath {
  return walk(schema, pointer).path;
}

/**
 * The AWS path of `pointer` when the schema declares every member on the way (a list position or map key
 * included); undefined for a pointer into a member the input does not have, which is named as sent.
 */
export function declaredAwsMemberPath(schema: unknown, pointer: string): MemberPath | undefined {
  const { path, declared } = walk(schema, pointer);
  return declared ? path : undefined;
}

function walk(schema: unknown, pointer: string): { path: MemberPath; declared: boolean } {
  const segments = pointer === '' || pointer === '/' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
  const ids = idsOf(schema as Node);
  const out: string[] = [];
  let declared = true;
  let node: Node | undefined = schema as Node;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const here = branches(node, ids);
    if (here.length > 0 && here.every(isMap)) {
      const rest = segments.slice(i + 1);
      const inner = rest.length > 0 ? walk(here[0]!.patternProperties && Object.values(here[0]!.patternProperties)[0], `/${rest.map(escapeSegment).join('/')}`) : undefined;
      return { path: { at: joined(out), mapKey: seg, ...(inner !== undefined ? { inValue: inner.path.at } : {}) }, declared: declared && (inner?.declared ?? true) };
    }
    const list = /^\d+$/.test(seg) ? here.find((b) => b.items !== undefined) : undefined;
    if (list || (here.length === 0 && /^\d+$/.test(seg))) {
      if (!list) declared = false;
      out.push(String(Number(seg) + 1), 'member');
      node = list?.items;
      continue;
    }
    const owner = here.find((b) => b.properties && Object.hasOwn(b.properties, seg));
    if (owner) {
      out.push(lowerFirst(seg));
      node = owner.properties![seg];
    } else {
      declared = false;
      out.push(here.length === 0 ? lowerFirst(seg) : seg); // not declared: as the caller sent it
      node = undefined;
    }
  }
  return { path: { at: joined(out) }, declared };
}

const joined = (segments: readonly string[]): string => segments.join('.') || 'input';

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const isMap = (n: Node): boolean => n.patternProperties !== undefined && n.properties === undefined;

/** The object, list or map shapes a value of this schema may take: through references, unions and intersections. */
function branches(node: Node | undefined, ids: ReadonlyMap<string, Node>, depth = 0): Node[] {
  if (!node || typeof node !== 'object' || depth > 32) return [];
  if (node.$ref !== undefined) return branches(ids.get(node.$ref), ids, depth + 1);
  const parts = node.anyOf ?? node.allOf;
  if (parts) return parts.flatMap((p) => branches(p, ids, depth + 1));
  return node.properties || node.patternProperties || node.items ? [node] : [];
}

const idCache = new WeakMap<object, Map<string, Node>>();

/** Every schema with an `$id` inside `root` (a recursive shape refers to itself by it). */
function idsOf(root: Node): ReadonlyMap<string, Node> {
  if (!root || typeof root !== 'object') return new Map();
  let ids = idCache.get(root);
  if (ids) return ids;
  ids = new Map();
  const seen = new Set<object>();
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object' || seen.has(n)) return;
    seen.add(n);
    const id = (n as Node).$id;
    if (typeof id === 'string' && !ids!.has(id)) ids!.set(id, n as Node);
    for (const v of Object.values(n)) visit(v);
  };
  visit(root);
  idCache.set(root, ids);
  return ids;
}

export function unescapeSegment(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapeSegment(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}
