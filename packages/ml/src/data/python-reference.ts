import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Debian's Python, which carries the reference libraries (python3-sklearn, python3-xgboost, …).
 * Not the `python3` on PATH, which may be another interpreter without them.
 */
export const REFERENCE_PYTHON = '/usr/bin/python3';

/**
 * Runs a Python script with Debian's interpreter, giving it `input` as JSON on stdin and returning
 * the JSON it prints on stdout. Test support only: the accuracy-parity tests use it to compute the
 * scikit-learn / XGBoost reference on the same data. Throws with a clear message (never skips) when
 * the interpreter or a module is missing, because CI installs them.
 */
export function runPython<T = unknown>(script: string, input: unknown, timeoutMs = 120_000): T {
  if (!existsSync(REFERENCE_PYTHON)) {
    throw new Error(`${REFERENCE_PYTHON} not found: install Debian's python3 with python3-sklearn and python3-xgboost.`);
  }
  const res = spawnSync(REFERENCE_PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: process.env['OMP_NUM_THREADS'] ?? '1', PYTHONHASHSEED: '0' },
  });
  if (res.error) throw new Error(`Running ${REFERENCE_PYTHON} failed: ${res.error.message}`);
  if (res.status !== 0) {
    const err = res.stderr.trim();
    const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(err);
    if (missing) {
      throw new Error(`Reference module '${missing[1]}' is missing from ${REFERENCE_PYTHON}: apt-get install python3-sklearn python3-scipy python3-xgboost.`);
    }
    throw new Error(`Reference Python script failed (exit ${res.status}):\n${err.slice(-4000)}`);
  }
  return JSON.parse(res.stdout) as T;
}
