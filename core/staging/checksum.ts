import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { adler32, formatAdler32 } from './adler32.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';

import type { Checksum, ChecksumType } from '../contracts/checksum.js';

export type { Checksum, ChecksumType } from '../contracts/checksum.js';

/**
 * Parses PanDA's checksum notation: `ad:<hex>`, `md5:<hex>` (also pilot3's `md:`), or a bare
 * value whose length tells the type (8 → adler32, 32 → md5). Returns undefined for empty,
 * dummy or `NULL` values, which mean "nothing to verify".
 */
export function parseChecksum(text: string | undefined | null): Checksum | undefined {
  if (text === undefined || text === null) return undefined;
  const raw = text.trim();
  if (!raw || isDummyChecksum(raw)) return undefined;
  const colon = raw.indexOf(':');
  let type: ChecksumType | undefined;
  let value = raw;
  if (colon >= 0) {
    const prefix = raw.slice(0, colon).toLowerCase();
    value = raw.slice(colon + 1).trim();
    if (prefix === 'ad' || prefix === 'adler32') type = 'adler32';
    else if (prefix === 'md5' || prefix === 'md') type = 'md5';
    else throw new PilotError(ErrorCodes.UNKNOWNCHECKSUMTYPE, `unknown checksum type "${prefix}" in "${raw}" (expected ad: or md5:)`, { recoverable: false });
  }
  if (!/^[0-9a-fA-F]+$/.test(value)) {
    throw new PilotError(ErrorCodes.UNKNOWNCHECKSUMTYPE, `checksum "${raw}" is not hexadecimal`, { recoverable: false });
  }
  if (isDummyChecksum(value)) return undefined;
  type ??= value.length <= 8 ? 'adler32' : value.length === 32 ? 'md5' : undefined;
  if (!type) throw new PilotError(ErrorCodes.UNKNOWNCHECKSUMTYPE, `cannot tell the type of checksum "${raw}" (8 hex digits for adler32, 32 for md5)`, { recoverable: false });
  return Object.freeze({ type, value: type === 'adler32' ? value.toLowerCase().padStart(8, '0') : value.toLowerCase() });
}

/** `ad:0123abcd` / `md5:...`, the notation PanDA stores. */
export function formatChecksum(c: Checksum): string {
  return `${c.type === 'adler32' ? 'ad' : 'md5'}:${c.value}`;
}

/** The pilot's dummy values that mean "no checksum": `0`, `00000000`, 32 zeros, `NULL`. */
export function isDummyChecksum(value: string): boolean {
  const v = value.trim();
  return v === '' || v.toUpperCase() === 'NULL' || /^0+$/.test(v);
}

/** Compares two values of one type, ignoring case and leading zeros (as Rucio does). */
export function checksumsEqual(a: Checksum, b: Checksum): boolean {
  if (a.type !== b.type) return false;
  const norm = (v: string) => v.toLowerCase().replace(/^0+/, '');
  return norm(a.value) === norm(b.value);
}

/** Incremental adler32 (+ md5 on request) over a byte stream. */
export class ChecksumAccumulator {
  private adler = 1;
  private readonly md5: ReturnType<typeof createHash> | undefined;
  size = 0;

  constructor(private readonly types: readonly ChecksumType[] = ['adler32']) {
    this.md5 = types.includes('md5') ? createHash('md5') : undefined;
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.types.includes('adler32')) this.adler = adler32(chunk, this.adler);
    this.md5?.update(chunk);
  }

  digest(): Checksum[] {
    const out: Checksum[] = [];
    if (this.types.includes('adler32')) out.push({ type: 'adler32', value: formatAdler32(this.adler) });
    if (this.md5) out.push({ type: 'md5', value: this.md5.digest('hex') });
    return out;
  }
}

export interface FileChecksums {
  readonly size: number;
  readonly adler32: Checksum;
  readonly md5?: Checksum;
}

const READ_CHUNK = 1024 * 1024;
/** Reads kept in flight: the next chunk is read from the page cache while this one is hashed. */
const READ_DEPTH = 2;

/**
 * Size and checksums of a local file, read once through a few reused buffers with reads
 * overlapping the hashing.
 * @throws PilotError MISSINGLOCALFILE (1164) when the file does not exist, FAILEDADLOCAL (1170)
 *   when it cannot be read.
 */
export async function checksumFile(path: string, types: readonly ChecksumType[] = ['adler32']): Promise<FileChecksums> {
  const acc = new ChecksumAccumulator(types.includes('adler32') ? types : ['adler32', ...types]);
  let fh;
  const inflight: Promise<{ buf: Buffer; n: number }>[] = [];
  try {
    fh = await open(path, 'r');
    const file = fh;
    // Buffers sized to the file: a 4 MiB buffer per small file (ES outputs, many per second)
    // keeps the garbage collector busy with external memory.
    const chunk = Math.min(READ_CHUNK, (await fh.stat()).size + 1);
    const bufs = Array.from({ length: READ_DEPTH }, () => Buffer.allocUnsafe(chunk));
    let next = 0;
    const issue = () => {
      const buf = bufs[next % READ_DEPTH]!;
      const at = next++ * chunk;
      inflight.push(file.read(buf, 0, chunk, at).then((r) => ({ buf, n: r.bytesRead })));
    };
    for (let i = 0; i < READ_DEPTH; i++) issue();
    for (;;) {
      const { buf, n } = await inflight.shift()!;
      if (n > 0) acc.update(buf.subarray(0, n));
      if (n < chunk) break;
      // The buffer just hashed is the one the next read fills.
      issue();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ErrorCodes.MISSINGLOCALFILE : ErrorCodes.FAILEDADLOCAL;
    throw new PilotError(code, `cannot checksum ${path}: ${(err as Error).message}`, { cause: err, recoverable: false });
  } finally {
    await Promise.allSettled(inflight);
    await fh?.close();
  }
  const [ad, md5] = acc.digest();
  return Object.freeze({ size: acc.size, adler32: ad!, ...(md5 ? { md5 } : {}) });
}

/** The checksum of `wanted`'s type from a file's checksums, if it was computed. */
export function pickChecksum(sums: FileChecksums, type: ChecksumType): Checksum | undefined {
  return type === 'adler32' ? sums.adler32 : sums.md5;
}
