import { echo, ValidationError } from '@loam/core';

/**
 * Refuses request paths that try to climb or smuggle separators before any route sees them: dot
 * segments (raw or percent-encoded, once or twice), backslashes, NUL and control characters, encoded
 * slashes inside a segment, empty segments (`//`, an absolute path smuggled into a parameter), and
 * drive letters, and overlong UTF-8. Routes then only ever see plain segments; the artifact
 * store still validates keys on its own (defence in depth). With `emptySegments` (S3 requests, whose
 * path after the bucket is an object key, and S3 keys may hold `//`: see allowEmptySegments), empty
 * segments pass; every other rule stands.
 */
export function checkRequestPath(rawUrl: string, options: { readonly emptySegments?: boolean } = {}): void {
  const path = rawUrl.split('?')[0] ?? '';
  let decoded = path;
  // Decode up to three times so %252e%252e is caught as well as %2e%2e.
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      if (i === 0) throw bad(path, 'it is not valid percent-encoding');
      // After one decode a `%` may be literal (an S3 key `100%.txt` travels as `100%25.txt`): keep
      // looking through the escapes that remain, ASCII ones included, so `%252e` is still caught.
      next = decoded.replace(/%([0-9a-fA-F]{2})/g, (m, h: string) => (Number.parseInt(h, 16) < 0x80 ? String.fromCharCode(Number.parseInt(h, 16)) : m));
    }
    if (next === decoded) break;
    if (/%2f|%5c/i.test(decoded) && i === 0) throw bad(path, 'it encodes a path separator');
    decoded = next;
  }
  if (/[\u0000-\u001f\u007f]/.test(decoded)) throw bad(path, 'it contains control characters');
  if (decoded.includes('\\')) throw bad(path, 'it contains a backslash');
  if (/%c0%ae|%c0%af|%c1%9c|%e0%80%ae/i.test(path)) throw bad(path, 'it contains overlong UTF-8');
  if (decoded.split('/').some((seg) => /^[A-Za-z]:$/.test(seg))) throw bad(path, 'it contains a drive letter (an absolute Windows path?)');
  if (options.emptySegments !== true && decoded.length > 1 && decoded.slice(1).split('/').slice(0, -1).some((seg) => seg === '')) throw bad(path, 'it contains an empty segment (an absolute path inside the path?)');
  // `..`, `.`, `.. ` and Tomcat's `..;x` all climb somewhere; NFKC folds full-width dots first.
  if (decoded.split('/').some((seg) => /^\.+$/.test((seg.split(';')[0] ?? '').normalize('NFKC').trim()))) throw bad(path, 'it contains a dot segment');
  if (/[\u2024\u2025\uFF0E\u2215\u2044\uFF0F\uFE52]/.test(decoded)) throw bad(path, 'it contains look-alike dots or slashes');
}

function bad(path: string, why: string): ValidationError {
  return new ValidationError(`The request path '${echo(path)}' was refused: ${why}.`, [{ path: '/path', message: why }]);
}
