export { buildProgram } from './program.js';
export { kebab } from './commands/operation-commands.js';
export { readCredentialsProfile, clientSettings } from './settings.js';
