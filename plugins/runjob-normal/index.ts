export { NormalRunJob } from './normal-run-job.js';
