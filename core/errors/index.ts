export * from './error-codes.js';
export * from './pilot-error.js';
export * from './config-error.js';
export * from './plugin-errors.js';
export * from './abort-code.js';
export * from './disk-errors.js';
