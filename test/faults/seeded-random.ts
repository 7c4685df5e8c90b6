/**
 * The fault suite's nemesis dice: a small seeded PRNG (mulberry32). Every choice a scenario
 * makes (kill instant, which worker crashes, which request faults and how) comes from one
 * of these, seeded by scenario id and seed, so a failing seed can be rerun with the same
 * choices (`npm run test:faults -- --only R3 --seed 7`).
 */
export class Seeded {
  private a: number;

  constructor(readonly seed: number, salt = '') {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193) >>> 0;
    this.a = h;
  }

  /** A number in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
