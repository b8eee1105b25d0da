import { describe, expect, it } from 'vitest';
import { compareKeys, resolveByteRange, validateBucketName, validateKeyPrefix, validateListQuery, validateObjectKey } from './artifact-keys.js';

const code = (f: () => void): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('artifact keys', () => {
  it('orders keys by UTF-8 bytes, as Buffer.compare does', () => {
    const keys = ['a', 'ab', 'a/b', 'a-c', 'a0', 'é', '\uFFFD', '😀', 'z\uE000', 'z😀', '', 'Z'];
    const want = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(want);
  });

  it('resolves ranges like S3: inclusive end, clamped, start inside the object', () => {
    expect(resolveByteRange(undefined, 10)).toBeUndefined();
    expect(resolveByteRange({ start: 2 }, 10)).toEqual({ start: 2, end: 9 });
    expect(resolveByteRange({ start: 2, end: 50 }, 10)).toEqual({ start: 2, end: 9 });
    expect(code(() => resolveByteRange({ start: 10 }, 10))).toBe('ValidationException');
    expect(code(() => resolveByteRange({ start: 0 }, 0))).toBe('ValidationException');
  });

  it('names the path, the value and the rule in its errors', () => {
    try {
      validateObjectKey('a/%2e%2e/b');
      expect.unreachable();
    } catch (e) {
      const err = e as { message: string; fields: { path: string }[] };
      expect(err.message).toContain("'a/%2e%2e/b'");
      expect(err.message).toContain("'a/../b'");
      expect(err.fields[0]?.path).toBe('/Key');
    }
  });

  it('lets prefixes end mid-segment or with a slash, but not with dot segments', () => {
    expect(code(() => validateKeyPrefix('data/'))).toBe('ok');
    expect(code(() => validateKeyPrefix('data/par'))).toBe('ok');
    expect(code(() => validateKeyPrefix('model.'))).toBe('ok');
    expect(code(() => validateKeyPrefix('data/..'))).toBe('ValidationException');
    expect(code(() => validateKeyPrefix('data//'))).toBe('ok');
    expect(code(() => validateKeyPrefix('/data'))).toBe('ValidationException');
  });

  it('accepts folder markers and empty segments, as S3 does, but no leading slash', () => {
    for (const k of ['a/', 'a//b', 'a//', 'a/b/']) expect(code(() => validateObjectKey(k))).toBe('ok');
    for (const k of ['/', '/a', '//a', 'a/../', './', 'a/./b/', 'file:///etc/passwd', 's3://b/k']) expect(code(() => validateObjectKey(k))).toBe('ValidationException');
  });

  it('clamps maxKeys and checks the delimiter', () => {
    expect(validateListQuery({ bucket: 'abc', maxKeys: 5000 }).maxKeys).toBe(1000);
    expect(validateListQuery({ bucket: 'abc' }).maxKeys).toBe(1000);
    expect(code(() => validateListQuery({ bucket: 'abc', delimiter: '' }))).toBe('ValidationException');
    expect(code(() => validateListQuery({ bucket: 'abc', maxKeys: 2.5 }))).toBe('ValidationException');
  });

  it('accepts S3-valid bucket names with dots and hyphens', () => {
    for (const b of ['abc', 'my-bucket.v2', 'a1b', '0-0']) expect(code(() => validateBucketName(b))).toBe('ok');
  });
});
