export * from './create-run.js';
export * from './render-payload-command.js';
export * from './command-runner.js';
