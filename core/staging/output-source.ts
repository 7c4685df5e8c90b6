/**
 * A file the pilot uploads, read so that what is checked is what is uploaded: opened once
 * without following links (O_NOFOLLOW), checked on the descriptor (a regular file with one
 * link, whose real path, as the kernel names the open file, is inside the job's folder), and
 * handed to the movers as `/proc/<pid>/fd/<n>`, a name for that very open file that the
 * pilot's own child processes (xrdcp, gfal-copy) can open as well. Whatever the payload
 * renames, links or swaps afterwards, the movers read the inode that was checked. After the
 * upload the descriptor is stat'ed again: a file that changed while it was read is refused.
 *
 * Without /proc (not Linux) the movers get the path itself, and the path's lstat must show
 * the checked inode before and after the upload; that narrows the race but cannot close it.
 *
 * The syscalls are synchronous: on a job's scratch disk each takes microseconds, far less than
 * a thread-pool round trip on the dispatch loop's thread.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, type BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { isWithin } from '../util/contained-path.js';

export interface OutputSource {
  /** The path as given. */
  readonly path: string;
  /** The real path of the opened file (the kernel's name for it, on Linux). */
  readonly realPath: string;
  /** What the movers open: the opened descriptor's /proc name, else `path`. */
  readonly readPath: string;
  readonly size: number;
  /**
   * @throws PilotError FILEHANDLINGFAILURE (1303) when the file changed since it was checked
   *   (size, mtime, ctime, inode, link count) or `uploadedSize` is not its size.
   */
  verifyUnchanged(uploadedSize: number): void;
  close(): void;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Opens and checks `path`. `within`: the job's work directory, which it must be inside (by real paths); undefined
 * for files the pilot made outside any job folder.
 * @throws PilotError MISSINGLOCALFILE (1164) when it does not exist; MISSINGOUTPUTFILE (1165)
 *   when it is a symbolic link, not a regular file, has another hard link, or is outside `within`.
 */
export function openOutputSource(path: string, within?: string): OutputSource {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PilotError(ErrorCodes.MISSINGLOCALFILE, `local file ${path} does not exist`, { recoverable: false });
    if (code === 'ELOOP') throw refused(path, 'it is a symbolic link (outputs are read without following links)');
    throw refused(path, `it cannot be opened: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw refused(path, 'it is not a regular file');
    if (st.nlink !== 1n) throw refused(path, `it has ${st.nlink} hard links (a link to a file elsewhere is not uploaded)`);
    const { realPath, procPath } = whereIs(fd, path, st);
    if (within !== undefined) {
      const root = realpathSync(within);
      if (!isWithin(root, realPath) || realPath === root) throw refused(path, `it is outside the job's work directory ${root}`);
    }
    return source(fd, path, realPath, procPath ?? path, st);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** `openOutputSource` and close: the check alone (an ES output report, before it is queued). @returns the real path. */
export function checkOutputFile(path: string, within?: string): string {
  const s = openOutputSource(path, within);
  s.close();
  return s.realPath;
}

function source(fd: number, path: string, realPath: string, readPath: string, before: BigIntStats): OutputSource {
  let open = true;
  return {
    path, realPath, readPath, size: Number(before.size),
    verifyUnchanged(uploadedSize: number): void {
      const now = fstatSync(fd, { bigint: true });
      const changed = now.dev !== before.dev || now.ino !== before.ino || now.size !== before.size || now.mtimeNs !== before.mtimeNs || now.ctimeNs !== before.ctimeNs || now.nlink !== 1n;
      if (changed) throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `${path} changed while it was uploaded (${before.size} → ${now.size} bytes, ${now.nlink} links); the upload is not used`, { recoverable: false });
      if (readPath === path) {
        // No /proc: the path must still name the checked inode.
        const l = lstatSync(path, { bigint: true, throwIfNoEntry: false });
        if (!l || l.dev !== before.dev || l.ino !== before.ino) throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `${path} was replaced while it was uploaded; the upload is not used`, { recoverable: false });
      }
      if (uploadedSize !== Number(before.size)) {
        throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `the movers uploaded ${uploadedSize} bytes of ${path}, which has ${before.size}; the upload is not used`, { recoverable: false });
      }
    },
    close(): void {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** The open file's real path: the kernel's (/proc/self/fd), else the folder's real path + name, proven by dev/ino. */
function whereIs(fd: number, path: string, st: BigIntStats): { realPath: string; procPath?: string } {
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (real.startsWith('/')) return { realPath: real, procPath: `/proc/${process.pid}/fd/${fd}` };
  } catch {
    // no /proc: below
  }
  const real = join(realpathSync(dirname(path)), basename(path));
  const l = lstatSync(real, { bigint: true, throwIfNoEntry: false });
  if (!l || l.dev !== st.dev || l.ino !== st.ino) throw refused(path, 'it was moved while it was checked');
  return { realPath: real };
}

function refused(path: string, why: string): PilotError {
  return new PilotError(ErrorCodes.MISSINGOUTPUTFILE, `output ${path} is refused: ${why}`, { recoverable: false });
}
