export { RunJobEvent, parseRunJobEventOptions, type RunJobEventOptions } from './runjob-event.js';
export { esJobOutcome, type EsJobFacts } from './es-job-outcome.js';
export { EsJobRun, type EsJobDeps, type LaunchParts, type Parts } from './es-job-run.js';
export { describeExit } from './es-job-outcome.js';
