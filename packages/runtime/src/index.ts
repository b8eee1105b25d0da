export { runnerCommand } from './runner/command.js';
export { runJob, jobMarker, type PidFile } from './runner/run-job.js';
export { MetricParser } from './runner/metrics.js';
