/**
 * The demo's proof: the merged output the server registered (from the merge job's final
 * `xml`, as panda-server's Adder registers it) is downloaded from its registered SURL through
 * the site's own movers (as any consumer would read it) and checked against the registered
 * size and checksum; its structure and every part are verified, and it must hold exactly the
 * ranges the dispatcher recorded as done, once each.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  adler32, bindReadBack, formatAdler32, parseChecksum, stageInFrom, toPilotError,
  ErrorCodes, type PilotRun,
} from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { verifyMergedOutput } from '../../plugins/payload-simulator/index.js';

export interface DemoVerification {
  readonly ok: boolean;
  /** Why it failed (absent when ok). */
  readonly reason?: string;
  readonly lfn?: string;
  /** Where the merged output is stored. */
  readonly url?: string;
  /** The downloaded copy that was verified. */
  readonly localCopy?: string;
  readonly size?: number;
  /** `ad:<hex>` of the downloaded bytes. */
  readonly checksum?: string;
  /** Ranges in the merged output. */
  readonly ranges?: number;
}

/** Never throws: every failure is a verification that did not pass, with its reason. */
export async function verifyDemoOutput(run: PilotRun, snap: DispatcherSnapshot, intoDir: string): Promise<DemoVerification> {
  if (snap.task.status !== 'done') return { ok: false, reason: `the task ended ${snap.task.status}${snap.task.reason ? `: ${snap.task.reason}` : ''}` };
  const merge = snap.jobs.find((j) => j.kind === 'merge' && j.status === 'finished');
  if (!merge) return { ok: false, reason: 'no merge job finished' };
  const registered = snap.files.find((f) => f.type === 'output' && f.pandaId === merge.pandaId);
  if (!registered) return { ok: false, reason: `the server registered no output of merge job ${merge.pandaId}` };
  const { lfn } = registered;
  if (!registered.surl || !registered.checksum || registered.fsize === undefined) return { ok: false, lfn, reason: `the registered output ${lfn} has no SURL, size or checksum` };
  const bound = bindReadBack(run.resolver, 'pw');
  if (!bound.destination) return { ok: false, reason: `cannot read back from the storage of activity pw: ${bound.error!.message}` };
  const url = registered.surl;
  const localCopy = join(intoDir, lfn);
  const expected = parseChecksum(registered.checksum);
  try {
    await mkdir(intoDir, { recursive: true });
    await stageInFrom(bound.destination, { localPath: localCopy, url, ...(expected ? { checksum: expected } : {}) }, run.logger.child('verify'));
  } catch (err) {
    const e = toPilotError(err, ErrorCodes.STAGEINFAILED);
    return { ok: false, lfn, url, reason: `cannot download the merged output: ${e.codeName} ${e.message}` };
  }
  const bytes = await readFile(localCopy);
  const checksum = `ad:${formatAdler32(adler32(bytes))}`;
  const facts = { lfn, url, localCopy, size: bytes.length, checksum };
  if (bytes.length !== registered.fsize || checksum !== registered.checksum) {
    return { ok: false, ...facts, reason: `the stored output (${bytes.length} bytes, ${checksum}) is not the registered one (${registered.fsize} bytes, ${registered.checksum})` };
  }
  const v = verifyMergedOutput(bytes);
  if (!v.ok) return { ok: false, ...facts, reason: `the merged output is not valid: ${v.reason}` };
  const problem = rangeProblem(snap, v.header.ranges.map((r) => r.eventRangeID));
  if (problem) return { ok: false, ...facts, ranges: v.header.ranges.length, reason: problem };
  return { ok: true, ...facts, ranges: v.header.ranges.length };
}

/** Every range of the task done, and in the merged file exactly once under its finishing attempt's ID. */
function rangeProblem(snap: DispatcherSnapshot, merged: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of merged) {
    if (seen.has(id)) return `range ${id} is in the merged output twice`;
    seen.add(id);
  }
  const missing: string[] = [];
  for (const r of snap.ranges) {
    const id = r.report?.eventRangeId;
    if (r.status !== 'done' || !id) missing.push(`${r.key} (${r.status})`);
    else if (!seen.delete(id)) missing.push(`${r.key} (${id})`);
  }
  if (missing.length) return `${missing.length} range(s) missing from the merged output: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`;
  if (seen.size) return `${seen.size} range(s) in the merged output that the dispatcher does not list as done: ${[...seen].slice(0, 5).join(', ')}`;
  return undefined;
}
