export { RunJobEvent } from './runjob-event.js';
export { parseRunJobEventOptions, type RunJobEventOptions } from './runjob-event-options.js';
export { esJobOutcome, type EsJobFacts } from './es-job-outcome.js';
