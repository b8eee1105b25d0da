import { Command } from 'commander';
import { registerAdminCommand } from './commands/admin.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerLoginLinkCommand } from './commands/login-link.js';
import { registerOperationCommands } from './commands/operation-commands.js';
import { registerUpCommand } from './commands/up.js';
import { registerTrainCommand } from './commands/train.js';
import { registerTuneCommand } from './commands/tune.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerDeployCommand } from './commands/deploy.js';
import { registerInvokeCommand } from './commands/invoke.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerTransformCommand } from './commands/transform.js';
import { registerRegistryCommand } from './commands/registry.js';
import { registerUploadCommand } from './commands/upload.js';
import { shareGlobalOptions } from './global-options.js';

/** The `loam` command: `up`, `doctor`, `admin`, `login-link`, and one command per API operation. */
export function buildProgram(): Command {
  const program = new Command('loam')
    .enablePositionalOptions()
    .description('Loam — a self-hostable machine-learning platform that speaks SageMaker.')
    .option('--endpoint <url>', 'Loam server URL (default http://127.0.0.1:7717, or $LOAM_ENDPOINT)')
    .option('--token <token>', 'API token (default: loam_api_token from <data-dir>/credentials, or $LOAM_TOKEN)')
    .option('--data-dir <dir>', 'data directory holding the credentials file (default ./.loam)')
    .option('--profile <name>', 'credentials profile', 'loam')
    .option('--json', 'print results as JSON')
    .showHelpAfterError()
    .addHelpText('after', `
Results go to stdout, progress and errors to stderr ("Error [Code]: message"; with --json, {"error":{…}}).
Exit codes: 0 success; 1 an error (a flag or argument missing or malformed, the server refused the request
or could not be reached) or a followed job or endpoint that ended Failed or Stopped; 130 Ctrl-C while
following (the job keeps running on the server; the message names the command that stops it).
Docs: docs/cli.md (commands, output, a whole lifecycle) and docs/sdk.md (the TypeScript SDK).`);
  registerUpCommand(program);
  registerDoctorCommand(program);
  registerAdminCommand(program);
  registerLoginLinkCommand(program);
  registerRunsCommand(program);
  registerDeployCommand(program);
  registerInvokeCommand(program);
  registerDemoCommand(program);
  registerTransformCommand(program);
  registerRegistryCommand(program);
  registerUploadCommand(program);
  registerTrainCommand(program);
  registerTuneCommand(program);
  registerLogsCommand(program);
  registerOperationCommands(program);
  shareGlobalOptions(program);
  return program;
}
