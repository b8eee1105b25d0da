import { ServiceUnavailableError } from '@loam/core';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A write refused for want of space (ENOSPC) or quota (EDQUOT) becomes ServiceUnavailableError, which
 * clients may retry once space is freed; any other error is returned unchanged.
 */
export function reportFullDisk(e: unknown, what: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !FULL.has(code)) return e;
  return new ServiceUnavailableError(`${what} was not stored: the artifact store's disk is full (${code}). Free space on it, then retry.`);
}
