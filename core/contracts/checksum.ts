/** Checksums as every contract speaks of them (computed and parsed in core/staging/checksum.ts). */
export type ChecksumType = 'adler32' | 'md5';

/** A checksum value with its algorithm; `value` is lowercase hex. */
export interface Checksum {
  readonly type: ChecksumType;
  readonly value: string;
}
