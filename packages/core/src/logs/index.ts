export * from './log-groups.js';
export * from './log-streams.service.js';
