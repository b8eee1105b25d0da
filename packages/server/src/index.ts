export { startLoam, buildLoamApp, type RunningLoam, type StartOptions } from './compose/start.js';
export { openPlatform, allCollections, type Platform } from './compose/platform.js';
export { writeCredentialsFile } from './compose/credentials-file.js';
export { diagnose, type Diagnosis } from './compose/doctor.js';
export { forgetUnreadableAccessKeys, type ForgetUnreadableKeysResult } from './compose/forget-unreadable-keys.js';
export * from './config/index.js';
