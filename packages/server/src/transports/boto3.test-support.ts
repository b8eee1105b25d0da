import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Debian's Python, whose boto3 (python3-boto3) the tests drive unchanged. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Fails with a clear message when Debian's boto3 is missing (`scripts/prepare-test-env.sh` installs it). */
export function requireDebianBoto3(): void {
  if (!existsSync(DEBIAN_PYTHON)) throw new Error(`${DEBIAN_PYTHON} is missing: install Debian's python3-boto3.`);
}

/**
 * What every program gets: `ARGS` (the JSON of `url`, `id`, `secret` and the caller's args), `client(name,
 * key=None)` (a boto3 client of Loam with the admin's key or `key`, no retries, every request's headers
 * appended to `SENT`), and `error(fn, …)` (`'resolved'` or `[code, message, exception class]`).
 */
const prelude = [
  'import json, sys, time, boto3',
  'from botocore.config import Config',
  'ARGS = json.loads(sys.argv[1])',
  'SENT = []',
  'def client(name, key=None, **kw):',
  "  key = key or [ARGS['id'], ARGS['secret']]",
  "  c = boto3.client(name, endpoint_url=ARGS['url'], region_name='us-east-1', aws_access_key_id=key[0], aws_secret_access_key=key[1], config=Config(retries={'max_attempts': 0}), **kw)",
  "  c.meta.events.register('before-send', lambda request, **_: SENT.append({k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}))",
  '  return c',
  'def error(fn, *a, **kw):',
  '  try:',
  '    fn(*a, **kw)',
  "    return 'resolved'",
  '  except Exception as e:',
  "    err = getattr(e, 'response', {}).get('Error', {})",
  "    return [err.get('Code', type(e).__name__), err.get('Message', str(e)), type(e).__name__]",
  '',
].join('\n');

export interface Boto3Loam {
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * Runs a Python program with boto3 against a Loam on loopback, in a clean environment (no AWS_* settings or
 * shared config of the machine); the program prints one JSON document, which is returned.
 */
export function runBoto3<T>(loam: Boto3Loam, program: string, args: Record<string, unknown> = {}, opts: { readonly python?: string; readonly env?: Record<string, string> } = {}): Promise<T> {
  const python = opts.python ?? DEBIAN_PYTHON;
  const env = { PATH: `${dirname(python)}:/usr/bin:/bin`, HOME: '/tmp', LANG: 'C.UTF-8', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', ...opts.env };
  const a = JSON.stringify({ url: loam.url, id: loam.accessKeyId, secret: loam.secretAccessKey, ...args });
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', `${prelude}\n${program}`, a], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`boto3 program failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}
