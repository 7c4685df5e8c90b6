// The conformance suites ship these samples; tests use the same ones.
export { esJob, mergeJob, queue, sampleJob } from '../../core/conformance/sample-jobs.js';
