/**
 * Reads a zip back through its central directory (the way unzip does), inflating deflated
 * entries and checking each CRC-32 and size against its data: a test's independent check of
 * what the pilot wrote.
 */
import { readFile } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntryRead {
  readonly name: string;
  readonly method: number;
  readonly data: Buffer;
}

/** @throws Error when the archive's structure, a size or a CRC is wrong. */
export async function readZipEntries(path: string): Promise<ZipEntryRead[]> {
  const b = await readFile(path);
  const end = b.length - 22;
  if (end < 0 || b.readUInt32LE(end) !== 0x06054b50) throw new Error(`${path}: no end of central directory record (a comment or ZIP64 is not expected)`);
  const n = b.readUInt16LE(end + 10);
  const cdSize = b.readUInt32LE(end + 12);
  let p = b.readUInt32LE(end + 16);
  if (p + cdSize !== end) throw new Error(`${path}: central directory does not end at the end record`);
  const out: ZipEntryRead[] = [];
  for (let i = 0; i < n; i++) {
    if (b.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: central header ${i} has a bad signature`);
    const method = b.readUInt16LE(p + 10);
    const crc = b.readUInt32LE(p + 16);
    const csize = b.readUInt32LE(p + 20);
    const usize = b.readUInt32LE(p + 24);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    const offset = b.readUInt32LE(p + 42);
    const name = b.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (b.readUInt32LE(offset) !== 0x04034b50) throw new Error(`${path}: ${name}: bad local header`);
    const localName = b.subarray(offset + 30, offset + 30 + b.readUInt16LE(offset + 26)).toString('utf8');
    if (localName !== name) throw new Error(`${path}: local name ${localName} is not the central ${name}`);
    const start = offset + 30 + b.readUInt16LE(offset + 26) + b.readUInt16LE(offset + 28);
    const raw = b.subarray(start, start + csize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : undefined;
    if (!data) throw new Error(`${path}: ${name}: method ${method}`);
    if (data.length !== usize) throw new Error(`${path}: ${name}: ${data.length} bytes, header says ${usize}`);
    if ((crc32(data) >>> 0) !== crc) throw new Error(`${path}: ${name}: CRC mismatch`);
    out.push({ name, method, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
