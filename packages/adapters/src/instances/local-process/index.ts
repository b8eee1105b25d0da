export { LocalProcessLauncher, type LocalProcessLauncherOptions } from './local-process-launcher.js';
