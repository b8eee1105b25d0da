export * from './client.js';
export * from './errors.js';
export * from './paginate.js';
export * from './waiters.js';
