/**
 * Sample job definitions and queuedata for the experiment checks (and a plugin's own tests).
 */
import type { JobDefinition, QueueData } from '../index.js';
import { parseQueueData } from '../index.js';

/** A frozen job definition with the fields an experiment reads; override what a test needs. */
export function sampleJob(over: Partial<JobDefinition> = {}): JobDefinition {
  return Object.freeze({
    pandaId: '4242',
    prodSourceLabel: 'managed',
    transformation: 'run-payload',
    jobParameters: '--in=EVNT.01._000001.pool.root.1',
    attemptNr: 1,
    coreCount: 1,
    inputFiles: [],
    outputFiles: [{ lfn: 'HITS.01._000001.pool.root.1' }],
    eventService: false,
    eventServiceMerge: false,
    writeToFile: [],
    debug: false,
    putLogToOS: false,
    ...over,
  });
}

export const esJob = (over: Partial<JobDefinition> = {}) => sampleJob({ eventService: true, ...over });

/** A merge job whose output HITS.01._000001.pool.root.1 merges two per-range outputs. */
export function mergeJob(over: Partial<JobDefinition> = {}): JobDefinition {
  const inputs = ['HITS.01._000001.pool.root.1.1-2-3-4-1', 'HITS.01._000001.pool.root.1.1-2-3-5-1'];
  return sampleJob({
    eventServiceMerge: true,
    inputFiles: inputs.map((lfn) => ({ lfn })),
    writeToFile: [{ name: 'HITS.01._000001.pool.root.1', inputs }],
    jobParameters: '--inputFile=@inputFor_HITS.01._000001.pool.root.1 --outputFile=HITS.01._000001.pool.root.1',
    ...over,
  });
}

export function queue(raw: Record<string, unknown> = {}): QueueData {
  return parseQueueData({ nickname: 'TEST_QUEUE', ...raw });
}
