export * from './create-run.js';
