/**
 * Reusable memory for single-part upload bodies. Reading each output into a fresh buffer
 * made the pilot's garbage collector the biggest CPU user of an Event Service job (B5: a
 * full mark-compact every few uploads, driven by external memory); the mover reads every
 * file of up to `maxPooledBytes` into one of a few buffers it keeps instead. A buffer is
 * handed out to one upload at a time and taken back only after that upload settled, so no
 * request ever sends bytes that changed under it.
 */
import { open } from 'node:fs/promises';

const ROUND = 64 * 1024;

export class BodyBuffers {
  private readonly free: Buffer[] = [];

  /** Keeps up to `keep` buffers of at most `maxPooledBytes` each. */
  constructor(private readonly keep: number, private readonly maxPooledBytes: number) {}

  /** A buffer of at least `size` bytes, from the pool when one is free. */
  take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return Buffer.allocUnsafeSlow(Math.max(ROUND, Math.ceil(size / ROUND) * ROUND));
  }

  /** Takes a buffer back (once its upload settled). */
  give(buf: Buffer): void {
    if (buf.length <= this.maxPooledBytes && this.free.length < this.keep) this.free.push(buf);
  }

  /**
   * The whole file in a pooled buffer: `{ body, buffer }` with `body` a view of the file's
   * bytes, or undefined when the file is not `size` bytes long any more (the caller then
   * reads it the ordinary way and sees its real size).
   */
  async read(path: string, size: number): Promise<{ body: Buffer; buffer: Buffer } | undefined> {
    if (size > this.maxPooledBytes) return undefined;
    const buffer = this.take(size + 1);
    const fh = await open(path, 'r');
    let got = 0;
    try {
      // One byte more than expected: reading it means the file grew since it was measured.
      for (;;) {
        const { bytesRead } = await fh.read(buffer, got, size + 1 - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
        if (got > size) break;
      }
    } finally {
      await fh.close();
    }
    if (got !== size) {
      this.give(buffer);
      return undefined;
    }
    return { body: buffer.subarray(0, size), buffer };
  }
}
