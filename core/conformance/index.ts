/**
 * `espilot/conformance`: the suites every plugin of a contract passes, runnable without a
 * test framework (`espilot conformance <module>`) or wrapped in one.
 */
export * from './conformance-check.js';
export * from './site-mover-checks.js';
export * from './experiment-checks.js';
export * from './sample-jobs.js';
