/**
 * Runs `follow` (a command waiting for a job) so that Ctrl-C says what Ctrl-C does not do: the job
 * keeps running on the server, and how to stop it. Exits 130, as an interrupted command does.
 *   following(`training job ${name}`, `loam stop-training-job --training-job-name ${name}`, () => …)
 */
export async function following<T>(what: string, stopCommand: string, follow: () => Promise<T>, extra = ''): Promise<T> {
  const onInterrupt = () => {
    process.stderr.write(`\nStopped following; the ${what} keeps running on the server. To stop it: ${stopCommand}${extra}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await follow();
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `2026-11-28T01:00:00.000Z  <line>`: a progress line, as `loam train` prints its status transitions. */
export function progressLine(line: string, at = new Date()): string {
  return `${at.toISOString()}  ${line}\n`;
}
