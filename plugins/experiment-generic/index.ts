export { GenericExperiment, CHANNEL_VARIABLE } from './generic-experiment.js';
export { applyMergeInputs, mergeInputKey, mergeInputPaths, wholeToken, writeMergeList } from './merge-inputs.js';
export { readJsonFile, summarizeJobReport } from './job-report.js';
export { classifyPayloadError } from './payload-errors.js';
