export * from './adler32.js';
export * from './checksum.js';
export * from './transfer-service.js';
export * from './transfer-errors.js';
export * from './deadline.js';
export * from './transfer-files.js';
export * from './tool-options.js';
export * from './job-transfers.js';
