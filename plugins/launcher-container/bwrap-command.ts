/**
 * The bubblewrap command equivalent to pilot3's apptainer one: a new mount and pid namespace
 * with the host's system directories read-only, the job's work directory and the host's /tmp
 * bound read-write (the yampl socket /tmp/zmq_<name> lives there) and the environment passed as
 * the launcher gives it. No user, network or IPC namespace: the ZeroMQ peer check reads the
 * payload's credentials on the socket, which the kernel reports in the pilot's pid namespace.
 */
import { shellQuote } from '../../core/index.js';

/** System directories every payload needs (`-try`: /lib64 and /sbin may be absent). */
const SYSTEM_DIRS: readonly (readonly [string, 'ro-bind' | 'ro-bind-try'])[] = [
  ['/usr', 'ro-bind'], ['/etc', 'ro-bind'], ['/bin', 'ro-bind-try'], ['/sbin', 'ro-bind-try'], ['/lib', 'ro-bind-try'], ['/lib64', 'ro-bind-try'],
];

export interface BwrapCommandRequest {
  readonly executable: string;
  readonly workdir: string;
  /** Further host paths visible read-only (software areas); the work dir stays writable. */
  readonly readOnlyBinds: readonly string[];
  readonly command: string;
}

/** The argv of the sandboxed payload: `bwrap <namespaces and binds> /bin/sh -c <command>`. */
export function bwrapArgv(req: BwrapCommandRequest): string[] {
  const argv = [req.executable, '--die-with-parent', '--unshare-pid', '--proc', '/proc', '--dev', '/dev'];
  for (const [dir, how] of SYSTEM_DIRS) argv.push(`--${how}`, dir, dir);
  for (const dir of req.readOnlyBinds) argv.push('--ro-bind-try', dir, dir);
  // After the read-only binds, so that a work dir below one of them stays writable.
  argv.push('--bind', '/tmp', '/tmp', '--bind', req.workdir, req.workdir, '--chdir', req.workdir);
  argv.push('/bin/sh', '-c', req.command);
  return argv;
}

/** `bwrapArgv` as one shell command line (launchers run `/bin/sh -c`). */
export function bwrapCommand(req: BwrapCommandRequest): string {
  return bwrapArgv(req).map(shellQuote).join(' ');
}
