/**
 * `loam logs j | head`: once the reader has gone, a write to stdout fails with EPIPE, which Node
 * raises as an unhandled 'error' event — a stack trace after the output the user wanted. Like the
 * shell tools the output was piped from, end quietly instead (any other stream error still throws).
 * A running server (`loam up`) is not a command whose output was cut short: it keeps serving, and
 * what it would have printed is dropped ({@link keepRunningOnBrokenPipe}).
 */
let keepRunning = false;

export function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream, exit: (code: number) => never = process.exit): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (!keepRunning) exit(0);
  });
}

/** From now on a closed output pipe no longer ends the process (for `loam up`). */
export function keepRunningOnBrokenPipe(): void {
  keepRunning = true;
}
