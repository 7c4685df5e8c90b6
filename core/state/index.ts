export * from './state-file.js';
export * from './job-state.js';
