/**
 * What pilot3 sends as `stdout` in updateJob while the server's `debug` command is on
 * (pilot/control/job.py `get_payload_log_tail`): the name of the payload's most recently
 * updated log file, a newline, its last 10 lines, cut to the last 2048 characters. pilot3
 * looks at every text file; here the payload's log-like files (`*.stdout`, `*.stderr`,
 * `*.log`, `*.txt`, `log.*`) at the top of the work directory, the pilot's own excluded.
 * pilot3's other debug commands (`tail …`, `ls …`, `ps …`, `gdb …`, any shell command) run
 * what the server sends; espilot runs no command it is sent.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_CHARS = 2048;
const LINES = 10;
const LOG_LIKE = /(\.(stdout|stderr|log|txt)$)|(^log\.)/;
/** Archives and data, whatever their name starts with (the job's own log tarball is `log.….tgz`). */
const NOT_TEXT = /\.(tgz|tar|gz|bz2|xz|zip|root(\.\d+)?)$/;

export function payloadLogTail(workdir: string, isPilotFile: (name: string) => boolean): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(workdir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!LOG_LIKE.test(name) || NOT_TEXT.test(name) || isPilotFile(name)) continue;
    try {
      const st = statSync(join(workdir, name));
      if (st.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path: join(workdir, name), mtime: st.mtimeMs };
    } catch {
      // removed meanwhile
    }
  }
  if (!best) return undefined;
  const tail = lastLines(best.path, LINES);
  return tail === undefined ? undefined : `${best.path}\n${tail}`.slice(-MAX_CHARS);
}

/** The last `n` lines, read from the end (a payload log may be gigabytes). */
function lastLines(path: string, n: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').replace(/\n$/, '').split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
