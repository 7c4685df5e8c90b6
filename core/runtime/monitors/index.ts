export * from './process-tree-sample.js';
export * from './resource-series.js';
export * from './memory-limit.js';
export * from './looping-check.js';
export * from './payload-log-tail.js';
export * from './job-monitors.js';
export * from './pilot-lifetime.js';
