/**
 * What a storage service wrote and verified itself in this run, so that the checksum store of
 * the same storage can confirm a record without asking the storage again (one HEAD or two
 * xrdfs calls per ES output saved). Bounded: the oldest entries go first.
 */
import type { Checksum } from './checksum.js';
import { checksumsEqual } from './checksum.js';

interface Written {
  readonly size: number;
  readonly checksums: readonly Checksum[];
}

export class RecentWrites {
  private readonly byUrl = new Map<string, Written>();

  constructor(private readonly limit = 4096) {}

  /** After a verified write of `url` that left `checksums` with the object. */
  note(url: string, size: number, checksums: readonly Checksum[]): void {
    this.byUrl.delete(url);
    this.byUrl.set(url, { size, checksums });
    if (this.byUrl.size > this.limit) this.byUrl.delete(this.byUrl.keys().next().value!);
  }

  /** True when `url` was written with this size and every one of `checksums`; the entry is used up either way. */
  take(url: string, size: number, checksums: readonly Checksum[]): boolean {
    const w = this.byUrl.get(url);
    this.byUrl.delete(url);
    return w !== undefined && w.size === size && checksums.every((c) => w.checksums.some((k) => checksumsEqual(k, c)));
  }

  /** The object changed or went away. */
  forget(url: string): void {
    this.byUrl.delete(url);
  }
}
