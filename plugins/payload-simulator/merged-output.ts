/**
 * The merge simulator's output: a header listing the merged ranges in order, then each
 * per-range file's bytes. Deterministic: the same inputs in any order give the same bytes.
 *
 * Layout: `#espilot-sim-merged v1 <JSON {outputFile, ranges:[{eventRangeID,startEvent,lastEvent,bytes}]}>\n` + parts.
 */
import { verifySimulatorOutput, type SimulatorOutputHeader } from './simulator-output.js';

export const MERGED_MAGIC = '#espilot-sim-merged v1 ';

export interface MergedPart {
  readonly header: SimulatorOutputHeader;
  readonly bytes: Buffer;
}

export interface MergedHeader {
  readonly outputFile: string;
  readonly ranges: readonly { readonly eventRangeID: string; readonly startEvent: number; readonly lastEvent: number; readonly bytes: number }[];
}

/** @throws Error when two parts hold the same range. */
export function mergedOutputBytes(outputFile: string, parts: readonly MergedPart[]): Buffer {
  const sorted = [...parts].sort((a, b) => a.header.startEvent - b.header.startEvent || cmp(a.header.eventRangeID, b.header.eventRangeID));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.header.eventRangeID === sorted[i - 1]!.header.eventRangeID) throw new Error(`range ${sorted[i]!.header.eventRangeID} is given twice`);
  }
  const header: MergedHeader = {
    outputFile,
    ranges: sorted.map((p) => ({ eventRangeID: p.header.eventRangeID, startEvent: p.header.startEvent, lastEvent: p.header.lastEvent, bytes: p.bytes.length })),
  };
  return Buffer.concat([Buffer.from(`${MERGED_MAGIC}${JSON.stringify(header)}\n`, 'utf8'), ...sorted.map((p) => p.bytes)]);
}

/** Checks a merged file: its header, and every part against the simulator's derivation. */
export function verifyMergedOutput(bytes: Uint8Array): { ok: true; header: MergedHeader } | { ok: false; reason: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || buf.subarray(0, MERGED_MAGIC.length).toString('utf8') !== MERGED_MAGIC) return { ok: false, reason: 'no merged header line' };
  let header: MergedHeader;
  try {
    header = JSON.parse(buf.subarray(MERGED_MAGIC.length, nl).toString('utf8')) as MergedHeader;
  } catch {
    return { ok: false, reason: 'merged header is not JSON' };
  }
  let off = nl + 1;
  for (const r of header.ranges ?? []) {
    const part = buf.subarray(off, off + r.bytes);
    const v = verifySimulatorOutput(part, { eventRangeId: r.eventRangeID });
    if (!v.ok) return { ok: false, reason: `part for range ${r.eventRangeID}: ${v.reason}` };
    off += r.bytes;
  }
  if (off !== buf.length) return { ok: false, reason: `${buf.length - off} bytes after the last part` };
  return { ok: true, header };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
