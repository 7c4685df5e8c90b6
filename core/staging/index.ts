export * from './adler32.js';
export * from './checksum.js';
export * from './transfer-service.js';
export * from './job-transfers.js';
