export { LocalProcessExecutor, type LocalProcessExecutorOptions } from './local-process-executor.js';
