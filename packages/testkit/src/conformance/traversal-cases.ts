/**
 * Hostile path encodings (reliability.md S1 and S3, MLflow's CVE history), each as the string a
 * store or a route receives once the transport has decoded the request once. Every one must be
 * refused with ValidationException (HTTP 400) on every path-taking operation, and no byte outside the
 * root may be read or written.
 *
 * The relative cases aim at `loam-canary` two levels above a bucket directory, which is where the
 * local-fs conformance run plants its canary (`<sandbox>/loam-canary` beside `<sandbox>/root/<bucket>`),
 * so a store that followed them would hit the canary rather than a system file. The deep and absolute
 * cases aim at `/tmp/loam-traversal-canary`, which must never come to exist.
 *
 * For a URL, use `urlPath(key)` (percent-encoded so that one decode yields `key`) or, to exercise
 * the transport's own decoding, `key` itself where it is URL-safe.
 */
export interface TraversalCase {
  /** Short, unique, printable. */
  readonly name: string;
  /** The key (or path parameter) as the store receives it. */
  readonly key: string;
}

const deep = '../'.repeat(12);

/** ≥ 20 encodings; shared by the artifact-store conformance suite and the HTTP security tests. */
export const TRAVERSAL_CASES: readonly TraversalCase[] = [
  { name: 'dot-dot slash', key: '../../loam-canary' },
  { name: 'dot-dot inside a key', key: 'a/../../../loam-canary' },
  { name: 'dot slash dot-dot', key: './../../loam-canary' },
  { name: 'bare dot-dot', key: '..' },
  { name: 'trailing dot-dot', key: 'a/..' },
  { name: 'deep dot-dot to /tmp', key: `${deep}tmp/loam-traversal-canary` },
  { name: 'absolute path', key: '/tmp/loam-traversal-canary' },
  { name: 'double-slash absolute', key: '//tmp/loam-traversal-canary' },
  { name: 'file URI', key: 'file:///tmp/loam-traversal-canary' },
  { name: 'encoded slash ..%2f', key: '..%2f..%2floam-canary' },
  { name: 'encoded dots %2e%2e/', key: '%2e%2e/%2e%2e/loam-canary' },
  { name: 'fully encoded %2e%2e%2f', key: '%2e%2e%2f%2e%2e%2floam-canary' },
  { name: 'mixed .%2e/', key: '.%2e/.%2e/loam-canary' },
  { name: 'double-encoded %252e%252e%252f', key: '%252e%252e%252f%252e%252e%252floam-canary' },
  { name: 'triple-encoded %25252e', key: '%25252e%25252e%25252f%25252e%25252e%25252floam-canary' },
  { name: 'IIS %u002e', key: '%u002e%u002e/%u002e%u002e/loam-canary' },
  { name: 'backslashes', key: '..\\..\\loam-canary' },
  { name: 'encoded backslash %5c', key: '..%5c..%5cloam-canary' },
  { name: 'UNC path', key: '\\\\localhost\\c$\\loam-canary' },
  { name: 'drive letter backslash', key: 'C:\\Windows\\win.ini' },
  { name: 'drive letter slash', key: 'C:/Windows/win.ini' },
  { name: 'path parameter ..;/', key: '..;/..;/loam-canary' },
  { name: 'NUL byte', key: 'ok.txt\u0000/../../loam-canary' },
  { name: 'encoded NUL %00', key: 'ok.txt%00.png' },
  { name: 'overlong UTF-8 dot %c0%ae', key: '%c0%ae%c0%ae/%c0%ae%c0%ae/loam-canary' },
  { name: 'overlong UTF-8 slash %c0%af', key: '..%c0%af..%c0%afloam-canary' },
  { name: 'three-byte overlong dot %e0%80%ae', key: '%e0%80%ae%e0%80%ae/loam-canary' },
  { name: 'fullwidth dots U+FF0E', key: '\uFF0E\uFF0E/\uFF0E\uFF0E/loam-canary' },
  { name: 'fullwidth solidus U+FF0F', key: '..\uFF0F..\uFF0Floam-canary' },
  { name: 'two-dot leader U+2025', key: '\u2025/\u2025/loam-canary' },
  { name: 'division slash U+2215', key: '..\u2215..\u2215loam-canary' },
  { name: 'encoded fullwidth dots %ef%bc%8e', key: '%ef%bc%8e%ef%bc%8e/%ef%bc%8e%ef%bc%8e/loam-canary' },
  { name: 'filter bypass ....//', key: '....//....//loam-canary' },
  { name: 'trailing-dot segment ...', key: '.../loam-canary' },
  { name: 'dot-dot with trailing space', key: '.. /.. /loam-canary' },
  { name: 'reserved store segment', key: '.loam-meta/x' },
];

/** Bucket names that try to leave the root or collide with a store's own files. */
export const TRAVERSAL_BUCKETS: readonly string[] = [
  '..', '.', '../x', 'a/../..', '%2e%2e', '..%2f..', '/tmp', '.loam-meta', 'a\\b', 'abc\u0000', 'ab..c', '\uFF0E\uFF0E',
];

/** Percent-encodes a key for a URL path so that one decode yields it again (keeps `/` as is). */
export function urlPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
