/**
 * The payload simulator's library side (the scripts are athenamp-simulator.js and
 * merge-simulator.js): output derivation and verification for tests and consumers.
 */
export { simulatorOutputBytes, verifySimulatorOutput, verifySimulatorOutputFile, OUTPUT_MAGIC, type SimulatorOutputHeader, type VerifyResult } from './simulator-output.js';
export { mergedOutputBytes, verifyMergedOutput, MERGED_MAGIC, type MergedHeader, type MergedPart } from './merged-output.js';
export { readAthenaReply, STOP, type AthenaRange, type AthenaReply } from './athena-range-text.js';
export { configFrom } from './athenamp-simulator.js';
export { chance, type SimulatorConfig } from './athena-worker.js';
export { traceEvent, readPayloadTrace, type TraceEvent, type TraceEventKind } from './payload-trace.js';
