/**
 * Turns the file paths of an output report into uploads: checks each file is a regular file
 * with one link inside the job's work directory (a payload, or anyone else on the channel,
 * must not make the pilot upload `/etc/passwd`, by name, symbolic or hard link), and names
 * its object `<outputLFN>.<eventRangeID>` (the name the merge job looks up) through the
 * experiment. The check here fails a bad report at once; the upload checks the file again
 * on the descriptor it reads (output-source.ts), so a file swapped in between is refused too.
 */
import { lstatSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { checkOutputFile } from '../staging/output-source.js';
import { nameProblem } from '../util/contained-path.js';
import type { OutputFile } from './stage-out-queue.js';

export interface OutputNamerOptions {
  /** The job's work directory (relative report paths are resolved against it). */
  readonly workdir: string;
  /** The job's output LFNs (without the log). */
  readonly outputLfns: readonly string[];
  /** `Experiment.esOutputName`. */
  readonly objectName: (outputLfn: string, eventRangeId: string) => string;
  /** Accept paths outside the work directory (containers that mount it elsewhere). */
  readonly allowOutsideWorkdir?: boolean;
}

export class OutputNamer {
  private root: Promise<string> | undefined;

  constructor(private readonly opts: OutputNamerOptions) {}

  /**
   * @throws PilotError MISSINGOUTPUTFILE (1165) when a file is missing, not a regular file,
   *   has another hard link, is outside the work directory, or cannot be matched to an
   *   output LFN; FILEHANDLINGFAILURE (1303) when its object name is not a contained name.
   */
  async filesFor(rangeId: string, paths: readonly string[]): Promise<OutputFile[]> {
    const lfns = this.lfnsFor(rangeId, paths);
    const root = await this.realRoot();
    const within = this.opts.allowOutsideWorkdir ? undefined : root;
    const files: OutputFile[] = [];
    for (let i = 0; i < paths.length; i++) {
      const given = paths[i]!;
      const abs = isAbsolute(given) ? given : resolve(this.opts.workdir, given);
      let real: string;
      try {
        real = checkOutputFile(await this.linkTarget(abs), within);
      } catch (err) {
        throw bad(`output ${given} of range ${rangeId} is unusable: ${(err as Error).message}`);
      }
      const objectName = this.opts.objectName(lfns[i]!, rangeId);
      const problem = nameProblem(objectName, false);
      if (problem) throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `object name ${JSON.stringify(objectName.slice(0, 300))} of range ${rangeId} is refused: ${problem}`, { recoverable: false });
      files.push({ localPath: real, objectName, ...(within ? { within } : {}) });
    }
    if (new Set(files.map((f) => f.objectName)).size !== files.length) {
      throw bad(`range ${rangeId} reported ${files.length} files that map to the same object name`);
    }
    return files;
  }

  /**
   * A symbolic link the payload reports stands for its target (checked like any file: it
   * must be inside the work directory); anything else is itself. The lstat is synchronous:
   * on the local scratch disk of a job it takes ~2 µs, where a thread-pool round trip costs
   * ~20 µs on the dispatch loop's thread.
   */
  private async linkTarget(path: string): Promise<string> {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) throw new Error(`${path} does not exist`);
    return st.isSymbolicLink() ? realpath(path) : path;
  }

  private realRoot(): Promise<string> {
    if (!this.root) {
      const p = realpath(this.opts.workdir);
      p.catch(() => { this.root = undefined; });
      this.root = p;
    }
    return this.root;
  }

  /** Which output LFN each path belongs to: by name prefix, else by position, else the only one. */
  private lfnsFor(rangeId: string, paths: readonly string[]): string[] {
    const { outputLfns } = this.opts;
    if (outputLfns.length === 0) throw bad(`range ${rangeId} has outputs but the job defines no output file`);
    return paths.map((p, i) => {
      const name = basename(p);
      const byPrefix = outputLfns.filter((l) => name.startsWith(l)).sort((a, b) => b.length - a.length)[0];
      if (byPrefix) return byPrefix;
      if (outputLfns.length === paths.length) return outputLfns[i]!;
      if (outputLfns.length === 1) return outputLfns[0]!;
      throw bad(`cannot tell which of the job's outputs (${outputLfns.join(', ')}) ${name} of range ${rangeId} is`);
    });
  }
}

function bad(message: string): PilotError {
  return new PilotError(ErrorCodes.MISSINGOUTPUTFILE, message, { recoverable: false });
}
