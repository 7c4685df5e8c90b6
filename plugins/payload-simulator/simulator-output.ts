/**
 * The bytes of a simulated per-range output file, and their verification. Content is a
 * function of the range alone: a header line naming the range, then a pseudo-random body
 * seeded from that header. Anyone holding the file (the object store test, the merge
 * simulator) can tell whether it is exactly what the simulator wrote for that range.
 *
 * Layout: `#espilot-sim-output v1 <JSON header>\n` followed by `bodyBytes` bytes.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export const OUTPUT_MAGIC = '#espilot-sim-output v1 ';

export interface SimulatorOutputHeader {
  readonly eventRangeID: string;
  readonly startEvent: number;
  readonly lastEvent: number;
  readonly LFN?: string;
  readonly GUID?: string;
  /** The `--outputFile` LFN; the file is named `<outputFile>.<eventRangeID>`. */
  readonly outputFile: string;
  readonly bodyBytes: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly header: SimulatorOutputHeader }
  | { readonly ok: false; readonly reason: string };

/** The complete file content for a range. */
export function simulatorOutputBytes(header: SimulatorOutputHeader): Buffer {
  const head = Buffer.from(`${OUTPUT_MAGIC}${JSON.stringify(canonical(header))}\n`, 'utf8');
  const out = Buffer.allocUnsafe(head.length + header.bodyBytes);
  head.copy(out, 0);
  fillBody(out, head.length, header.bodyBytes, seedOf(head));
  return out;
}

/**
 * Checks a file's bytes: header well formed, body exactly the one derived from the header,
 * and, when given, that the header names `expect.eventRangeId` and that `expect.name` (a file
 * or object name) ends with `.<eventRangeID>`.
 */
export function verifySimulatorOutput(bytes: Uint8Array, expect: { eventRangeId?: string; name?: string } = {}): VerifyResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || !buf.subarray(0, OUTPUT_MAGIC.length).equals(Buffer.from(OUTPUT_MAGIC))) return fail('no simulator header line');
  let header: SimulatorOutputHeader;
  try {
    header = JSON.parse(buf.subarray(OUTPUT_MAGIC.length, nl).toString('utf8')) as SimulatorOutputHeader;
  } catch {
    return fail('header is not JSON');
  }
  if (typeof header.eventRangeID !== 'string' || !Number.isInteger(header.bodyBytes) || header.bodyBytes < 0 || typeof header.outputFile !== 'string') {
    return fail('header lacks eventRangeID, outputFile or bodyBytes');
  }
  if (expect.eventRangeId !== undefined && header.eventRangeID !== expect.eventRangeId) {
    return fail(`holds range ${header.eventRangeID}, expected ${expect.eventRangeId}`);
  }
  if (expect.name !== undefined && !basename(expect.name).endsWith(`.${header.eventRangeID}`)) {
    return fail(`name ${basename(expect.name)} does not end with .${header.eventRangeID}`);
  }
  const want = simulatorOutputBytes(header);
  if (want.length !== buf.length) return fail(`size ${buf.length}, expected ${want.length}`);
  if (!want.equals(buf)) return fail('body differs from the one derived from its header');
  return { ok: true, header };
}

/** Reads and verifies a file; the expected range id defaults to the part after `<outputFile>.` in its name. */
export async function verifySimulatorOutputFile(path: string, expect: { eventRangeId?: string } = {}): Promise<VerifyResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  return verifySimulatorOutput(bytes, { ...expect, name: path });
}

function canonical(h: SimulatorOutputHeader): SimulatorOutputHeader {
  return {
    eventRangeID: h.eventRangeID,
    startEvent: h.startEvent,
    lastEvent: h.lastEvent,
    ...(h.LFN !== undefined ? { LFN: h.LFN } : {}),
    ...(h.GUID !== undefined ? { GUID: h.GUID } : {}),
    outputFile: h.outputFile,
    bodyBytes: h.bodyBytes,
  };
}

/** FNV-1a over the header line. */
function seedOf(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** mulberry32, four bytes per step. */
function fillBody(out: Buffer, offset: number, length: number, seed: number): void {
  let a = seed >>> 0;
  const end = offset + length;
  let i = offset;
  while (i < end) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    for (let k = 0; k < 4 && i < end; k++, i++) out[i] = (t >>> (k * 8)) & 0xff;
  }
}

function fail(reason: string): VerifyResult {
  return { ok: false, reason };
}
