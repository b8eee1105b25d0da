import { describe, expect, it } from 'vitest';
import { invalid } from '../jobs/job-validation.js';
import { TrackingArtifacts } from '../experiments/tracking-artifacts.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { validateObjectKey } from '../ports/artifact-keys.js';
import { groupKeyOf, packageRefOf } from '../registry/package-refs.js';
import { validateTags } from '../tags/tag-rules.js';
import { echo, echoEscaped } from './echo.js';
import { decodeNextToken } from './pagination.js';

const messageOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('not refused');
};

describe('echo: a caller value as a message quotes it', () => {
  it('keeps short values whole, shows other values as JSON and a missing one as null', () => {
    expect(echo('a\u0007b')).toBe('a\u0007b');
    expect(echo('x'.repeat(120))).toBe('x'.repeat(120));
    expect(echo({ A: [1, 'b'] })).toBe('{"A":[1,"b"]}');
    expect(echo(undefined)).toBe('null');
    expect(echo(12n)).toBe('{…}'); // JSON cannot hold it
  });

  it('cuts a long value to its first 120 code units and …, never inside a surrogate pair', () => {
    expect(echo('v'.repeat(121))).toBe(`${'v'.repeat(120)}…`);
    expect(echo(`${'x'.repeat(119)}😀${'x'.repeat(10)}`)).toBe(`${'x'.repeat(119)}…`);
    expect(echo(`${'x'.repeat(118)}😀${'x'.repeat(10)}`)).toBe(`${'x'.repeat(118)}😀…`);
    expect(echo('é'.repeat(300))).toBe(`${'é'.repeat(120)}…`);
    expect(echo('v'.repeat(50), 40)).toBe(`${'v'.repeat(40)}…`);
  });

  it('is how tags, job validation and object keys echo a refused value (three cuts before: 100 + length, 117 + ..., 120 + …)', () => {
    const huge = 'v'.repeat(3000);
    const shown = `'${'v'.repeat(120)}…'`;
    expect(messageOf(() => validateTags([{ Key: 'k', Value: huge }]))).toContain(`Value ${shown}`);
    expect(invalid('AlgorithmSpecification.TrainingImage', huge, 'Member must be short').message).toBe(`Value ${shown} at 'AlgorithmSpecification.TrainingImage' failed to satisfy constraint: Member must be short.`);
    expect(messageOf(() => validateObjectKey(`a/${'\u0000'}${huge}`))).toContain(`'a/\\u0000${'v'.repeat(117)}…'`);
    expect(messageOf(() => validateObjectKey(huge.repeat(2)))).toContain(`Object key ${shown}`);
  });
});

describe('the messages d5b3ec22 missed echo a value as echo does', () => {
  const partition = { accountId: '123456789012', region: 'us-east-1' } as Parameters<typeof packageRefOf>[1];

  it('model package names and ARNs, artifact locations: cut, not whole (a huge value made a huge message)', () => {
    const huge = 'v'.repeat(5000);
    const shown = `'${'v'.repeat(120)}…'`;
    expect(messageOf(() => packageRefOf(`!${huge}`, partition))).toContain(`'!${'v'.repeat(119)}…'`);
    expect(messageOf(() => packageRefOf(`arn:${huge}`, partition))).toContain(`'arn:${'v'.repeat(116)}…'`);
    expect(messageOf(() => groupKeyOf(`arn:${huge}`, partition))).toContain(`'arn:${'v'.repeat(116)}…'`);
    expect(messageOf(() => new TrackingArtifacts({} as ArtifactStore).refFor(huge))).toContain(`Artifact URI ${shown}`);
    for (const f of [() => packageRefOf(`!${huge}`, partition), () => new TrackingArtifacts({} as ArtifactStore).refFor(huge)]) expect(messageOf(f).length).toBeLessThan(400);
  });

  it('a refused NextToken: its first 120 code units and …, never half a surrogate pair (cut at 40 before, unmarked)', () => {
    const token = `${'x'.repeat(39)}😀${'x'.repeat(200)}`;
    const message = messageOf(() => decodeNextToken(token));
    expect(message).toContain(`NextToken '${echo(token)}' is not`);
    expect(message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('echoEscaped: a hostile name as a message refusing it shows it', () => {
  it('escapes bidi, zero-width and separator characters JSON leaves as they are, after the cut', () => {
    expect(echoEscaped('a\u202eb\u200bc\u2066d\u2028e\u0007f"')).toBe('a\\u202eb\\u200bc\\u2066d\\u2028e\\u0007f\\"');
    expect(echoEscaped('x\u{e0001}y')).toBe('x\\udb40\\udc01y'); // a format character past U+FFFF: both of its units
    expect(echoEscaped(`${'x'.repeat(119)}\u202e${'x'.repeat(10)}`)).toBe(`${'x'.repeat(119)}\\u202e…`); // whole escape, cut counted on the value
    expect(echoEscaped(`${'x'.repeat(120)}\u202e`)).toBe(`${'x'.repeat(120)}…`);
  });

  it('is how object keys show a refused key: a right-to-left override does not reorder the message', () => {
    const message = messageOf(() => validateObjectKey('invoice\u202egpj.exe'));
    expect(message).toContain("'invoice\\u202egpj.exe'");
    expect(message).not.toMatch(/\u202e/);
  });
});
