/**
 * A minimal, correct ZIP archive writer (PKWARE APPNOTE 6.3: local headers, data, central
 * directory, end record; no ZIP64, so at most 65535 entries and 4 GiB): each entry is stored
 * deflated (zlib raw deflate) unless that is no smaller, then stored as is. Range outputs are
 * zipped with it so that one object replaces many small ones (pilot3's "premerge" archive).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { open, readFile, unlink } from 'node:fs/promises';

export interface ZipEntrySource {
  /** The entry's name inside the archive (a plain name, no folders). */
  readonly name: string;
  readonly localPath: string;
}

const LIMIT = 0xffff_ffff;
const DOS_TIME_1980 = 0; // 00:00:00
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01: entries carry no wall-clock time, so a rebuilt archive is byte-identical

/**
 * Writes `entries` into a new archive at `zipPath` (created exclusively: an existing file is
 * an error, never overwritten; a failed write removes what it wrote). @returns the archive's size in bytes.
 * @throws Error when an entry name is not a plain name, is repeated, or the archive would need ZIP64.
 */
export async function writeZip(zipPath: string, entries: readonly ZipEntrySource[]): Promise<number> {
  if (entries.length === 0 || entries.length > 0xffff) throw new Error(`a zip needs 1–65535 entries, got ${entries.length}`);
  const seen = new Set<string>();
  for (const e of entries) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(e.name) || e.name === '.' || e.name === '..') throw new Error(`zip entry name ${JSON.stringify(e.name)} is not a plain file name`);
    if (seen.has(e.name)) throw new Error(`zip entry ${e.name} appears twice`);
    seen.add(e.name);
  }
  const fh = await open(zipPath, 'wx');
  let ok = false;
  try {
    const central: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
      const data = await readFile(e.localPath);
      const deflated = deflateRawSync(data);
      const useDeflate = deflated.length < data.length;
      const body = useDeflate ? deflated : data;
      const crc = crc32(data) >>> 0;
      const name = Buffer.from(e.name, 'utf8');
      if (data.length >= LIMIT || offset + 30 + name.length + body.length >= LIMIT) throw new Error(`zip would exceed 4 GiB at ${e.name} (no ZIP64)`);
      const local = header(0x04034b50, 30, name, { method: useDeflate ? 8 : 0, crc, csize: body.length, usize: data.length });
      await fh.write(local);
      await fh.write(body);
      const cen = header(0x02014b50, 46, name, { method: useDeflate ? 8 : 0, crc, csize: body.length, usize: data.length, offset });
      central.push(cen);
      offset += local.length + body.length;
    }
    const cd = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    await fh.write(cd);
    await fh.write(end);
    await fh.sync();
    ok = true;
    return offset + cd.length + end.length;
  } finally {
    await fh.close();
    if (!ok) await unlink(zipPath).catch(() => undefined);
  }
}

interface EntryFields { readonly method: number; readonly crc: number; readonly csize: number; readonly usize: number; readonly offset?: number }

/** A local (30-byte) or central (46-byte) header followed by the entry name. */
function header(signature: number, fixed: 30 | 46, name: Buffer, f: EntryFields): Buffer {
  const b = Buffer.alloc(fixed + name.length);
  b.writeUInt32LE(signature, 0);
  let p = 4;
  if (fixed === 46) { b.writeUInt16LE(20, p); p += 2; } // version made by: 2.0, MS-DOS attributes
  b.writeUInt16LE(20, p); // version needed: 2.0 (deflate)
  b.writeUInt16LE(0x0800, p + 2); // general flags: UTF-8 names
  b.writeUInt16LE(f.method, p + 4);
  b.writeUInt16LE(DOS_TIME_1980, p + 6);
  b.writeUInt16LE(DOS_DATE_1980, p + 8);
  b.writeUInt32LE(f.crc, p + 10);
  b.writeUInt32LE(f.csize, p + 14);
  b.writeUInt32LE(f.usize, p + 18);
  b.writeUInt16LE(name.length, p + 22);
  // extra length 0 at p + 24; central: comment length, disk, internal attrs, external attrs are 0
  if (fixed === 46) b.writeUInt32LE(f.offset ?? 0, p + 36); // relative offset of the local header (byte 42)
  name.copy(b, fixed);
  return b;
}
