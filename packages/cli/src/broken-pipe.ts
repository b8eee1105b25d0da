/**
 * `loam logs j | head`: once the reader has gone, a write to stdout fails with EPIPE, which Node
 * raises as an unhandled 'error' event — a stack trace after the output the user wanted. Like the
 * shell tools the output was piped from, end quietly instead (any other stream error still throws).
 */
export function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream, exit: (code: number) => never = process.exit): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exit(0);
    throw e;
  });
}
