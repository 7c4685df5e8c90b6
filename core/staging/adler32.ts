/**
 * Adler-32 as zlib computes it: incremental, combinable, formatted the way PanDA stores it.
 * Large inputs go through the WebAssembly SIMD kernel (adler32-wasm.ts, ~10× the plain JS
 * loop); small ones, and runtimes without WASM SIMD, use the JS loop.
 */
import { createWasmAdler32, type WasmAdler32 } from './adler32-wasm.js';

const BASE = 65521;
/** Largest n such that 255·n·(n+1)/2 + (n+1)·(BASE−1) fits in 2^32 (zlib's NMAX). */
const NMAX = 5552;

/** Below this many bytes the JS loop is cheaper than crossing into WASM. */
const WASM_MIN_BYTES = 128;
/** The WASM kernel's working buffer: inputs are copied through it in pieces of this size. */
const WASM_BUFFER_BYTES = 1 << 20;

// One kernel per thread, made on first use. It holds no state between calls: each call copies
// its input in and hashes it synchronously, so concurrent async callers cannot interleave.
let kernel: WasmAdler32 | null | undefined;

function wasmKernel(): WasmAdler32 | undefined {
  if (kernel === undefined) kernel = createWasmAdler32(WASM_BUFFER_BYTES) ?? null;
  return kernel ?? undefined;
}

/** Continues an Adler-32 over `buf` from a previous value (1 for a new checksum). */
export function adler32(buf: Uint8Array, previous = 1): number {
  const k = buf.length >= WASM_MIN_BYTES ? wasmKernel() : undefined;
  if (!k) return adler32Js(buf, previous);
  let value = previous >>> 0;
  for (let off = 0; off < buf.length; off += WASM_BUFFER_BYTES) {
    const piece = buf.subarray(off, Math.min(off + WASM_BUFFER_BYTES, buf.length));
    k.buffer.set(piece);
    value = k.hash(0, piece.length, value);
  }
  return value;
}

/** The plain JS Adler-32 (zlib's NMAX chunking): the fallback, and the reference in tests. */
export function adler32Js(buf: Uint8Array, previous = 1): number {
  let a = previous & 0xffff;
  let b = (previous >>> 16) & 0xffff;
  const len = buf.length;
  let i = 0;
  while (i < len) {
    const end = Math.min(i + NMAX, len);
    // Unrolled by 8: the loop body dominates the cost of checksumming large outputs.
    for (; i + 8 <= end; i += 8) {
      a += buf[i]!; b += a;
      a += buf[i + 1]!; b += a;
      a += buf[i + 2]!; b += a;
      a += buf[i + 3]!; b += a;
      a += buf[i + 4]!; b += a;
      a += buf[i + 5]!; b += a;
      a += buf[i + 6]!; b += a;
      a += buf[i + 7]!; b += a;
    }
    for (; i < end; i++) { a += buf[i]!; b += a; }
    a %= BASE;
    b %= BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** Adler-32 of A‖B from adler32(A), adler32(B) and the length of B (zlib's adler32_combine). */
export function adler32Combine(adlerA: number, adlerB: number, lengthB: number): number {
  const rem = lengthB % BASE;
  let sum1 = adlerA & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (adlerB & 0xffff) + BASE - 1;
  sum2 += ((adlerA >>> 16) & 0xffff) + ((adlerB >>> 16) & 0xffff) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE << 1) sum2 -= BASE << 1;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

/** 8 lowercase hex digits, zero-padded: `00000001` for empty input. */
export function formatAdler32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** Which implementation `adler32` uses for large inputs in this runtime. */
export function adler32Engine(): 'wasm' | 'js' {
  return wasmKernel() ? 'wasm' : 'js';
}
