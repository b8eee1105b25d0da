/**
 * The JSONPath subset batch transform's DataProcessing filters accept (SageMaker's rules): `$`, `.name`,
 * `['a','b']`, `[1,3]`, `[2:5]` (slices, open ends), negative indexes, and `*`. A path selecting one
 * thing (a name, an index) yields that value; a union, slice or wildcard yields an array — or, for a
 * union of names on an object, the object with just those keys (`$['id','SageMakerOutput']`).
 */

type Selector =
  | { readonly kind: 'name'; readonly names: readonly string[] }
  | { readonly kind: 'index'; readonly items: readonly ({ readonly i: number } | { readonly from?: number; readonly to?: number })[] }
  | { readonly kind: 'wildcard' };

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

function parseIndexItem(text: string, path: string): { i: number } | { from?: number; to?: number } {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return { i: Number(t) };
  const m = /^(-?\d+)?\s*:\s*(-?\d+)?$/.exec(t);
  if (!m) throw new JsonPathError(`JSONPath '${path}': '${text}' is not an index or a slice.`);
  return { ...(m[1] !== undefined ? { from: Number(m[1]) } : {}), ...(m[2] !== undefined ? { to: Number(m[2]) } : {}) };
}

/** Parses a path. @throws JsonPathError naming the path and the part it could not read. */
export function parseJsonPath(path: string): readonly Selector[] {
  if (!path.startsWith('$')) throw new JsonPathError(`JSONPath '${path}' must start with '$'.`);
  const out: Selector[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^\.(\*|[A-Za-z_$][\w$-]*)/.exec(path.slice(i));
      if (!m) throw new JsonPathError(`JSONPath '${path}': expected a name after '.' at offset ${i}.`);
      out.push(m[1] === '*' ? { kind: 'wildcard' } : { kind: 'name', names: [m[1] as string] });
      i += m[0].length;
    } else if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw new JsonPathError(`JSONPath '${path}': '[' at offset ${i} is never closed.`);
      const body = path.slice(i + 1, end).trim();
      if (body === '*') out.push({ kind: 'wildcard' });
      else if (/^'/.test(body)) {
        const names = [...body.matchAll(/'((?:[^'\\]|\\.)*)'\s*(,|$)/g)].map((m) => (m[1] as string).replace(/\\(.)/g, '$1'));
        if (names.length === 0) throw new JsonPathError(`JSONPath '${path}': cannot read the names in [${body}].`);
        out.push({ kind: 'name', names });
      } else out.push({ kind: 'index', items: body.split(',').map((t) => parseIndexItem(t, path)) });
      i = end + 1;
    } else {
      throw new JsonPathError(`JSONPath '${path}': unexpected '${c}' at offset ${i}.`);
    }
  }
  return out;
}

function at(arr: readonly unknown[], i: number): number {
  return i < 0 ? arr.length + i : i;
}

function apply(value: unknown, s: Selector): { value: unknown; many: boolean } {
  if (s.kind === 'wildcard') {
    if (Array.isArray(value)) return { value: [...value], many: true };
    if (value && typeof value === 'object') return { value: Object.values(value), many: true };
    return { value: undefined, many: false };
  }
  if (s.kind === 'name') {
    const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    if (s.names.length === 1) return { value: obj?.[s.names[0] as string], many: false };
    const picked: Record<string, unknown> = {};
    for (const n of s.names) if (obj && Object.hasOwn(obj, n)) picked[n] = obj[n];
    return { value: picked, many: false };
  }
  if (!Array.isArray(value)) return { value: undefined, many: false };
  // An index outside the array is an error, as SageMaker's filters report it, never a field silently left out.
  const index = (i: number): number => {
    const k = at(value, i);
    if (k < 0 || k >= value.length) throw new JsonPathError(`index ${i} is outside the ${value.length}-element array it indexes`);
    return k;
  };
  if (s.items.length === 1 && 'i' in (s.items[0] as object)) return { value: value[index((s.items[0] as { i: number }).i)], many: false };
  const picked: unknown[] = [];
  for (const item of s.items) {
    if ('i' in item) picked.push(value[index(item.i)]);
    else {
      const from = Math.max(0, item.from === undefined ? 0 : at(value, item.from));
      const to = Math.min(value.length, item.to === undefined ? value.length : at(value, item.to));
      for (let k = from; k < to; k++) picked.push(value[k]);
    }
  }
  return { value: picked, many: true };
}

/**
 * Evaluates a parsed path; `undefined` when it selects nothing (a name the object lacks).
 * @throws JsonPathError for an index outside the array it indexes (slices are clipped to it).
 */
export function evaluateJsonPath(selectors: readonly Selector[], value: unknown): unknown {
  let cur: unknown = value;
  let many = false;
  for (const s of selectors) {
    if (many) {
      // After a wildcard or union the rest applies to each selected element.
      cur = (cur as unknown[]).map((v) => apply(v, s).value).filter((v) => v !== undefined);
    } else {
      const r = apply(cur, s);
      cur = r.value;
      many = r.many;
    }
  }
  return cur;
}
