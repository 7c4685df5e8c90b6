import type { Checksum } from './checksum.js';

/** One file of a job as PanDA describes it (one column of the parallel per-file lists). */
export interface FileSpec {
  readonly lfn: string;
  readonly guid?: string;
  readonly size?: number;
  readonly checksum?: Checksum;
  readonly scope?: string;
  readonly dataset?: string;
  /** prodDBlockToken (inputs) / destinationDBlockToken (outputs). */
  readonly storageToken?: string;
  readonly ddmEndpoint?: string;
}

/** One `inputFor_<outputLFN>:<a>,<b>` entry of a merge job's `writeToFile`. */
export interface MergeInputList {
  /** The name after `inputFor_` (an output LFN or a transform argument name). */
  readonly name: string;
  readonly inputs: readonly string[];
}

/**
 * A job definition from getJob, parsed and frozen. Field names are ours (camelCase); the
 * PanDA names are only known to the parser in core/panda.
 */
export interface JobDefinition {
  readonly pandaId: string;
  readonly jobsetId?: string;
  readonly taskId?: string;
  readonly jobName?: string;
  readonly jobDefinitionId?: string;
  readonly prodSourceLabel: string;
  readonly processingType?: string;
  readonly transformation: string;
  readonly jobParameters: string;
  readonly swRelease?: string;
  readonly homePackage?: string;
  readonly cmtConfig?: string;
  readonly cloud?: string;
  readonly destinationSE?: string;
  readonly attemptNr: number;
  readonly coreCount: number;
  readonly maxCpuCount?: number;
  readonly minRamCount?: number;
  readonly maxDiskCount?: number;
  readonly maxWalltime?: number;
  readonly inputFiles: readonly FileSpec[];
  /** Outputs without the log file. */
  readonly outputFiles: readonly FileSpec[];
  readonly logFile?: FileSpec;
  readonly eventService: boolean;
  readonly eventServiceMerge: boolean;
  readonly writeToFile: readonly MergeInputList[];
  readonly debug: boolean;
  /** Server-provided user proxy (glExec sites); a secret. */
  readonly userProxy?: string;
  readonly putLogToOS: boolean;
  /** `direct` when the task lets the payload read its inputs in place (queue permitting). */
  readonly transferType?: string;
}
