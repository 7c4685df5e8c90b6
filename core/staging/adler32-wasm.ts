/**
 * Adler-32 in WebAssembly SIMD: the module is assembled here from named opcodes (no binary
 * blob, no build step, no dependency). 16 bytes per step: byte sums and position-weighted
 * sums in i32x4 lanes, folded into 64-bit scalars and reduced modulo 65521 once per 32 KiB.
 *
 * For a block of K 16-byte chunks x_k (N = 16K bytes) starting from (s1, s2):
 *   s1' = s1 + Σ x
 *   s2' = s2 + N·s1 + 16·Σ_k (K−1−k)·S_k + Σ_k Σ_i (16−i)·x_k[i]
 * where S_k is the byte sum of chunk k; the middle sum is accumulated as "vb += va" before
 * each chunk is added to va. Lane sums stay below 2^32 for K ≤ 2048.
 */

// This project compiles against ES2023 + node types, which do not declare WebAssembly.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
  function validate(bytes: Uint8Array): boolean;
}

/** Bytes hashed between modular reductions (2048 chunks of 16). */
const BLOCK = 32 * 1024;
const PAGE = 64 * 1024;

// Opcodes (WebAssembly core + SIMD).
const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load8U: 0x2d, i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32LtU: 0x49, i32GtU: 0x4b, i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32ShrU: 0x76,
  i64Add: 0x7c, i64Mul: 0x7e, i64RemU: 0x82, i64Or: 0x84, i64Shl: 0x86, i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
} as const;
const SIMD = {
  load: 0x00, const: 0x0c, i32x4ExtractLane: 0x1b, i16x8ExtaddPairwiseI8x16U: 0x7d, i32x4ExtaddPairwiseI16x8U: 0x7f,
  i16x8ExtendLowI8x16U: 0x89, i16x8ExtendHighI8x16U: 0x8a, i32x4Add: 0xae, i32x4DotI16x8S: 0xba,
} as const;
const T = { i32: 0x7f, i64: 0x7e, v128: 0x7b } as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const simd = (op: number) => [0xfd, ...uleb(op)];
const get = (i: number) => [OP.localGet, i];
const set = (i: number) => [OP.localSet, i];
const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
const i64 = (n: number) => [OP.i64Const, ...sleb(n)];
const i16x8 = (...lanes: number[]) => [...simd(SIMD.const), ...lanes.flatMap((l) => [l & 0xff, l >> 8])];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

// Locals: 0 ptr, 1 len, 2 adler (params); 3 s1, 4 s2 (i64); 5 n, 6 end (i32); 7 va, 8 vb, 9 vw, 10 v, 11 wlo, 12 whi (v128).
const [PTR, LEN, ADLER, S1, S2, N, END, VA, VB, VW, V, WLO, WHI] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/** Σ of the four u32 lanes of a v128 local, as an i64 on the stack. */
const hsum = (local: number) => [0, 1, 2, 3].flatMap((lane) => [
  ...get(local), ...simd(SIMD.i32x4ExtractLane), lane, OP.i64ExtendI32U, ...(lane ? [OP.i64Add] : []),
]);
const mod = [...i64(65521), OP.i64RemU];

const body = [
  ...get(ADLER), ...i32(0xffff), OP.i32And, OP.i64ExtendI32U, ...set(S1),
  ...get(ADLER), ...i32(16), OP.i32ShrU, OP.i64ExtendI32U, ...set(S2),
  ...i16x8(16, 15, 14, 13, 12, 11, 10, 9), ...set(WLO),
  ...i16x8(8, 7, 6, 5, 4, 3, 2, 1), ...set(WHI),
  OP.block, OP.void, OP.loop, OP.void,
  // while (len >= 16): one block of n = min(len & ~15, BLOCK) bytes
  ...get(LEN), ...i32(16), OP.i32LtU, OP.brIf, 1,
  ...get(LEN), ...i32(-16), OP.i32And, ...set(N),
  ...get(N), ...i32(BLOCK), OP.i32GtU, OP.if, OP.void, ...i32(BLOCK), ...set(N), OP.end,
  ...get(PTR), ...get(N), OP.i32Add, ...set(END),
  ...i16x8(0, 0, 0, 0, 0, 0, 0, 0), OP.localTee, VA, OP.localTee, VB, ...set(VW),
  OP.loop, OP.void,
  ...get(PTR), ...simd(SIMD.load), 0, 0, ...set(V),
  ...get(VB), ...get(VA), ...simd(SIMD.i32x4Add), ...set(VB),
  ...get(VA), ...get(V), ...simd(SIMD.i16x8ExtaddPairwiseI8x16U), ...simd(SIMD.i32x4ExtaddPairwiseI16x8U), ...simd(SIMD.i32x4Add), ...set(VA),
  ...get(VW),
  ...get(V), ...simd(SIMD.i16x8ExtendLowI8x16U), ...get(WLO), ...simd(SIMD.i32x4DotI16x8S), ...simd(SIMD.i32x4Add),
  ...get(V), ...simd(SIMD.i16x8ExtendHighI8x16U), ...get(WHI), ...simd(SIMD.i32x4DotI16x8S), ...simd(SIMD.i32x4Add),
  ...set(VW),
  ...get(PTR), ...i32(16), OP.i32Add, OP.localTee, PTR, ...get(END), OP.i32LtU, OP.brIf, 0,
  OP.end,
  // s2 = (s2 + n·s1 + 16·Σvb + Σvw) mod 65521; s1 = (s1 + Σva) mod 65521
  ...get(S2), ...get(N), OP.i64ExtendI32U, ...get(S1), OP.i64Mul, OP.i64Add,
  ...hsum(VB), ...i64(4), OP.i64Shl, OP.i64Add, ...hsum(VW), OP.i64Add, ...mod, ...set(S2),
  ...get(S1), ...hsum(VA), OP.i64Add, ...mod, ...set(S1),
  ...get(LEN), ...get(N), OP.i32Sub, ...set(LEN),
  OP.br, 0, OP.end, OP.end,
  // the last < 16 bytes, one at a time
  OP.block, OP.void, OP.loop, OP.void,
  ...get(LEN), OP.i32Eqz, OP.brIf, 1,
  ...get(S1), ...get(PTR), OP.i32Load8U, 0, 0, OP.i64ExtendI32U, OP.i64Add, OP.localTee, S1,
  ...get(S2), OP.i64Add, ...set(S2),
  ...get(PTR), ...i32(1), OP.i32Add, ...set(PTR),
  ...get(LEN), ...i32(1), OP.i32Sub, ...set(LEN),
  OP.br, 0, OP.end, OP.end,
  ...get(S2), ...mod, ...i64(16), OP.i64Shl, ...get(S1), ...mod, OP.i64Or, OP.i32WrapI64,
  OP.end,
];

function moduleBytes(pages: number): Uint8Array {
  const locals = vec([[2, T.i64], [2, T.i32], [6, T.v128]]);
  const code = [...locals, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[T.i32], [T.i32], [T.i32]]), ...vec([[T.i32]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([[...name('adler32'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** A WASM adler32 with its own working memory: `buffer` is where callers put bytes to hash. */
export interface WasmAdler32 {
  /** A view of the module's memory, `size` bytes long; bytes hashed in place need no copy. */
  readonly buffer: Uint8Array;
  /** adler32 of `buffer[offset, offset + length)` continued from `previous`. */
  hash(offset: number, length: number, previous: number): number;
}

/**
 * Instantiates the module with a working buffer of at least `size` bytes, or returns
 * undefined where WebAssembly SIMD is not available (the caller falls back to JS).
 */
export function createWasmAdler32(size: number): WasmAdler32 | undefined {
  const bytes = moduleBytes(Math.ceil(size / PAGE));
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const exports = instance.exports as { adler32: (ptr: number, len: number, prev: number) => number; memory: WebAssembly.Memory };
  return {
    buffer: new Uint8Array(exports.memory.buffer, 0, size),
    hash: (offset, length, previous) => exports.adler32(offset, length, previous) >>> 0,
  };
}
