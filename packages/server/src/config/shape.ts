import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox';
import { loamOptions } from './schema.js';

// The config walkers (validate, env naming, redact) see four shapes of schema node. Backend sections
// are unions of closed objects discriminated by `type`; everything that is not a container is a leaf
// validated as a whole by TypeBox.

/** The shape of one config schema node, as the walkers treat it. */
export type Shape =
  | { readonly kind: 'object'; readonly schema: TObject }
  | { readonly kind: 'backend'; readonly branches: ReadonlyMap<string, TObject>; readonly defaultType: string | undefined }
  | { readonly kind: 'record'; readonly values: TSchema }
  | { readonly kind: 'leaf'; readonly schema: TSchema };

export function shapeOf(schema: TSchema): Shape {
  if (KindGuard.IsRecord(schema)) {
    const values = Object.values(schema.patternProperties)[0] as TSchema;
    return { kind: 'record', values };
  }
  const options = loamOptions(schema);
  if (options.discriminator === 'type') {
    // TypeBox collapses a union of one member into that member, keeping the union's options.
    const members = KindGuard.IsUnion(schema) ? schema.anyOf : [schema];
    const branches = new Map<string, TObject>();
    for (const branch of members) {
      if (!KindGuard.IsObject(branch)) throw new Error('config schema: a backend branch must be an object');
      const literal = branch.properties['type'];
      if (!literal || !KindGuard.IsLiteral(literal)) throw new Error('config schema: a backend branch needs a literal type');
      branches.set(String(literal.const), branch);
    }
    return { kind: 'backend', branches, defaultType: options.defaultType };
  }
  if (KindGuard.IsObject(schema)) return { kind: 'object', schema };
  return { kind: 'leaf', schema };
}

/** The properties a key may name under an object or backend node (all branches' keys for a backend). */
export function propertiesOf(shape: Shape): Readonly<Record<string, TSchema>> | undefined {
  if (shape.kind === 'object') return shape.schema.properties;
  if (shape.kind === 'backend') {
    const all: Record<string, TSchema> = {};
    for (const branch of shape.branches.values()) Object.assign(all, branch.properties);
    return all;
  }
  return undefined;
}

/** The literal choices of a union of literals (such as `log.level`), or undefined for other schemas. */
export function literalChoices(schema: TSchema): readonly string[] | undefined {
  if (!KindGuard.IsUnion(schema)) return undefined;
  const choices: string[] = [];
  for (const member of schema.anyOf) {
    if (!KindGuard.IsLiteral(member)) return undefined;
    choices.push(String(member.const));
  }
  return choices;
}

/** Formats a path for messages: `server.port`, `server.allowedHosts[1]`, `images.process["my.image"]`. */
export function formatPath(path: readonly string[]): string {
  let out = '';
  for (const key of path) {
    if (/^[0-9]+$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
