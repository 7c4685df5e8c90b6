/**
 * The job's log tarball (`logFile`): the job directory without its data files, packed with
 * the system `tar` (argument array, no shell).
 */
import { spawn } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { containedPath } from '../util/contained-path.js';

/**
 * Packs `jobDir` into `<jobDir>/<tarName>` (gzipped for `.tgz`/`.gz`).
 * @param exclude paths relative to `jobDir` never packed: data files (inputs, outputs, an ES
 *   job's range outputs, also in subdirectories); the tarball itself, partial files and
 *   dot files are never packed either.
 * @throws PilotError LOGFILECREATIONFAILURE (1138) when tar cannot run or fails; NOLOCALSPACE
 *   (1098) on a full disk; FILEHANDLINGFAILURE (1303) when the log LFN is not a plain file name.
 */
export async function createLogTarball(jobDir: string, tarName: string, exclude: ReadonlySet<string>, env: Record<string, string>): Promise<string> {
  const names = (await readdir(jobDir)).filter((n) => n !== tarName && !exclude.has(n) && !n.includes('.espilot-part-') && !n.startsWith('.'));
  const deeper = [...exclude].filter((p) => p.includes('/'));
  const target = containedPath(jobDir, tarName, 'log LFN');
  const gzip = /\.(tgz|gz)$/.test(tarName);
  // An ES job's range outputs in worker folders: a million of them do not fit in argv (E2BIG),
  // so tar reads them from a file, one per line; a dot file, never packed itself.
  const list = containedPath(jobDir, EXCLUDE_LIST, 'log exclude list');
  try {
    const patterns: string[] = [];
    if (deeper.length) {
      const [lines, odd] = [deeper.filter((p) => !p.includes('\n')), deeper.filter((p) => p.includes('\n'))];
      await writeFile(list, lines.map((p) => `${p}\n`).join(''), { mode: 0o600 });
      patterns.push('--anchored', '--no-wildcards', `--exclude-from=${list}`, ...odd.map((p) => `--exclude=${p}`));
    }
    await runTar([gzip ? '-czf' : '-cf', target, '-C', jobDir, ...patterns, '--', ...names], env, target);
  } catch (err) {
    await rm(target, { force: true }); // a partial tarball is no log, and holds the space
    if (err instanceof PilotError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new PilotError(ErrorCodes.NOLOCALSPACE, `no space left writing the log's exclude list ${list}: ${(err as Error).message}`, { cause: err });
    throw new PilotError(ErrorCodes.LOGFILECREATIONFAILURE, `cannot write the log's exclude list ${list}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (deeper.length) await rm(list, { force: true });
  }
  return target;
}

/** The deep paths tar leaves out, written for one run of tar. */
const EXCLUDE_LIST = '.espilot-log-exclude';

function runTar(args: readonly string[], env: Record<string, string>, target: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('tar', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => reject(new PilotError(ErrorCodes.LOGFILECREATIONFAILURE, `cannot run tar: ${err.message}`, { cause: err, recoverable: false })));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(tarFailure(code, stderr.trim().slice(0, 200), target))));
  });
}

/** A full disk is the job's disk code (NOLOCALSPACE), any other tar failure LOGFILECREATIONFAILURE. */
function tarFailure(code: number | null, stderr: string, target: string): PilotError {
  if (/No space left on device|Disk quota exceeded/i.test(stderr)) return new PilotError(ErrorCodes.NOLOCALSPACE, `no space left writing the log tarball ${target}: ${stderr}`);
  return new PilotError(ErrorCodes.LOGFILECREATIONFAILURE, `tar of the log failed (exit ${code}): ${stderr}`, { recoverable: false });
}
