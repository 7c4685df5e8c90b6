export { RunJobEvent, parseRunJobEventOptions, type RunJobEventOptions } from './runjob-event.js';
export { esJobOutcome, type EsJobFacts } from './es-job-outcome.js';
