import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { Operation } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import { fuzzCases, names } from './input-fuzz.test-support.js';
import { validateInput } from './validate.js';

// The operation table has no union of objects yet; when one comes (a source that is an S3 URI or a dataset),
// the input fuzz must break the members of each branch, and validation must name the member that is wrong
// in the branch the input took — not only the union.
const closed = { additionalProperties: false } as const;
const S3Source = Type.Object({ S3Uri: Type.String({ maxLength: 20, pattern: '^s3://' }), Compressed: Type.Optional(Type.Boolean()) }, closed);
const DatasetSource = Type.Object({ DatasetName: Type.String({ minLength: 1, maxLength: 10 }), Version: Type.Integer({ minimum: 1, maximum: 99 }) }, closed);
const Input = Type.Object({ Name: Type.String({ maxLength: 8 }), Source: Type.Union([S3Source, DatasetSource]), Sources: Type.Optional(Type.Array(Type.Union([S3Source, DatasetSource]), { maxItems: 3 })) }, closed);
const op = { name: 'FuzzUnionOperation', input: Input } as unknown as Operation;

function messageOf(input: unknown): string {
  try {
    validateInput(op, input);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('input fuzz over a union of objects', () => {
  const { base, cases } = fuzzCases(Input);

  it('breaks the members of every branch, in the union and in a list of unions', () => {
    const shown = new Set(cases.map((c) => c.shown));
    for (const p of ['source.s3Uri', 'source.compressed', 'source.datasetName', 'source.version', 'sources.1.member.s3Uri', 'sources.1.member.version']) expect(shown, p).toContain(p);
    expect(Value.Check(Input, base)).toBe(true);
    for (const c of cases) expect(Value.Check(Input, c.input), `${c.kind} ${c.shown}: ${JSON.stringify(c.input)}`).toBe(false);
    // A case in the dataset branch carries a dataset source, not the S3 one the base took.
    const version = cases.find((c) => c.shown === 'source.version' && c.kind === 'above-maximum');
    expect(version?.input['Source']).toEqual({ DatasetName: expect.any(String), Version: 100 });
  });

  it('every case is refused with a message naming the broken member', () => {
    const unnamed = cases.filter((c) => !names(messageOf(c.input), c.shown)).map((c) => `${c.kind} ${c.shown}: ${messageOf(c.input)}`);
    expect(unnamed).toEqual([]);
  });

  it('a member wrong inside the branch the input took is named, not only the union', () => {
    expect(messageOf({ Name: 'n', Source: { DatasetName: 'd', Version: 100 } })).toBe(
      "1 validation error detected: Value '100' at 'source.version' failed to satisfy constraint: Member must have value less than or equal to 99.",
    );
    expect(messageOf({ Name: 'n', Sources: [{ S3Uri: 's3://a' }, { S3Uri: 'http://b' }], Source: { S3Uri: 's3://x' } })).toMatch(/at 'sources\.2\.member\.s3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: \^s3:\/\//);
  });

  it('in a union told apart by a literal member, the branch the literal names is the one the input took', () => {
    const Tagged = Type.Object({
      Source: Type.Union([
        Type.Object({ Type: Type.Literal('S3'), S3Uri: Type.String() }, closed),
        Type.Object({ Type: Type.Literal('Dataset'), DatasetName: Type.String() }, closed),
      ]),
    }, closed);
    const tagged = { name: 'FuzzTaggedUnion', input: Tagged } as unknown as Operation;
    const message = (input: unknown) => {
      try {
        validateInput(tagged, input);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    // The S3 branch has two errors, the dataset branch one (its Type): the dataset's 'must be Dataset' misled.
    const s3 = message({ Source: { Type: 'S3', DatasetName: 'd' } });
    expect(s3).toMatch(/Value null at 'source\.s3Uri' failed to satisfy constraint: Member must not be null/);
    expect(s3).not.toMatch(/Dataset'/);
    // The literal member missing: the branch that comes closest names it.
    expect(message({ Source: { S3Uri: 's3://x' } })).toMatch(/Value null at 'source\.type' failed to satisfy constraint: Member must not be null/);
    // A literal no branch has: the union's own message.
    expect(message({ Source: { Type: 'Nope', S3Uri: 's3://x' } })).toMatch(/at 'source' failed to satisfy constraint/);
  });

  it('a value no branch comes near keeps the union\'s own message', () => {
    expect(messageOf({ Name: 'n', Source: 'not-an-object' })).toMatch(/at 'source' failed to satisfy constraint/);
  });
});
