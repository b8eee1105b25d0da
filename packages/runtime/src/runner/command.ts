import { ownScript } from './image-command.js';

/**
 * The command that starts the runner for `<job.json>`: `node …/runner/bin.js`, or its TypeScript
 * source under the same loader when Loam itself runs from sources (tests).
 */
export function runnerCommand(): { command: string; args: string[] } {
  return ownScript('./bin');
}
