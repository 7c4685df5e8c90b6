/**
 * Reads a journal-like file line by line in fixed chunks, never as one string: a 1M-range
 * journal is hundreds of MB, past V8's string limit (issue 16: "Invalid string length").
 */
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

export interface JournalLine {
  /** 1-based, counted from `from`. */
  readonly n: number;
  readonly text: string;
  /** The line had no newline: the end of the file cut it (a torn last line). */
  readonly torn: boolean;
  /** Byte offset just after this line (its newline included). */
  readonly end: number;
}

/**
 * Yields the lines of `path` from byte `from`.
 * @throws the file system's error when the file cannot be opened or read.
 */
export async function* journalLines(path: string, from = 0): AsyncGenerator<JournalLine> {
  const fh = await open(path, 'r');
  try {
    let pos = from;
    let carry: Buffer | undefined;
    let n = 0;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let chunk = buf.subarray(0, bytesRead);
      if (carry) {
        chunk = Buffer.concat([carry, chunk]);
        carry = undefined;
      }
      let start = 0;
      const base = pos - chunk.length;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        yield { n: ++n, text: chunk.toString('utf8', start, nl), torn: false, end: base + nl + 1 };
        start = nl + 1;
      }
      // Copied: `buf` is reused by the next read.
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    }
    if (carry) yield { n: ++n, text: carry.toString('utf8'), torn: true, end: pos };
  } finally {
    await fh.close();
  }
}
