export * from './create-run.js';
export * from './command-runner.js';
