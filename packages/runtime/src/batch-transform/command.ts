import { ownScript } from '../runner/image-command.js';

/** `node …/batch-transform/driver-main.js`: the batch transform job's image command. */
export function transformDriverCommand(): { command: string; args: string[] } {
  return ownScript('../batch-transform/driver-main');
}
