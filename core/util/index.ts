export * from './shell-quote.js';
export * from './exit-code.js';
export * from './command-runner.js';
export * from './contained-path.js';
export * from './process-table.js';
export * from './sync-batcher.js';
export * from './bounded-pool.js';
