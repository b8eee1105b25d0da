import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError, ValidationError } from './errors.js';
import type { Logger } from './logger.js';
import { LoopFailureLog } from './loop-failure-log.js';

/** A logger that keeps `level: message` lines, as the server's pino writes them. */
function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    debug: (_f, m) => void lines.push(`debug: ${m}`),
    info: (_f, m) => void lines.push(`info: ${m}`),
    warn: (_f, m) => void lines.push(`warn: ${m}`),
    error: (_f, m) => void lines.push(`error: ${m}`),
    child: () => log,
  };
  return { log, lines };
}

describe('LoopFailureLog', () => {
  it('warns once per outage, logs repeats at debug level, and one info line when a pass works again', () => {
    const { log, lines } = recordingLogger();
    const f = new LoopFailureLog(log, 'sync failed');
    f.succeeded();
    for (let i = 0; i < 5; i++) f.failed(new ServiceUnavailableError(`The metadata store is unavailable: attempt ${i}`));
    f.succeeded();
    f.succeeded();
    f.failed(new ServiceUnavailableError('again'));
    expect(lines).toEqual(['warn: sync failed', ...Array(4).fill('debug: sync failed'), 'info: background loop works again', 'warn: sync failed']);
  });

  it('warns once for each kind of failure in one outage, also when the kinds take turns', () => {
    // Passes that fail now on the store, now on a record it cannot read, every tick: a warning each for the
    // first of each kind, not one per tick.
    const { log, lines } = recordingLogger();
    const f = new LoopFailureLog(log, 'sync failed');
    for (let i = 0; i < 4; i++) {
      f.failed(new ServiceUnavailableError('The metadata store is unavailable'));
      f.failed(new ValidationError('a record it cannot read', []));
    }
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('debug'))).toHaveLength(6);
  });

  it('warns for at most 16 kinds in one outage (errors without a code are told apart by message)', () => {
    const { log, lines } = recordingLogger();
    const f = new LoopFailureLog(log, 'sync failed');
    for (let i = 0; i < 40; i++) f.failed(new Error(`tick ${i}`));
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(16);
    f.succeeded();
    f.failed(new Error('tick 0'));
    expect(lines.at(-1)).toBe('warn: sync failed');
  });
});
