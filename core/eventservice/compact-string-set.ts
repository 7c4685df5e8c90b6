/**
 * A set of strings that differ mostly in one number, at about a byte per member where a
 * Set<string> costs ~100 (a heap snapshot of a 1M-range job: the ids and output paths of done
 * ranges, each a sliced string keeping its whole payload message alive). Event range ids are
 * `<jediTaskID>-<PandaID>-<fileID>-<job_processID>-<attemptNr>` (panda-server) and output
 * files are named after them, so most members of a job's set share everything but one digit
 * run. A member is split at one of its digit runs into a template (the string with that run
 * marked) and the run's value, kept as one bit in 30-bit words (small integers, never boxed)
 * per template. Which run `add` picks only decides how compact the set is: `has` tries every
 * run, and a template with its value gives back exactly one string. Strings without a usable
 * digit run are kept as they are.
 */

/** Marks the digit run in a template; strings containing it are kept whole. */
const MARK = '\u0000';
const BITS = 30;
/** Longer runs could exceed a safe integer (or be written with leading zeros): kept whole. */
const MAX_DIGITS = 15;

interface Run {
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

export class CompactStringSet implements Iterable<string> {
  private readonly templates = new Map<string, Map<number, number>>();
  private readonly whole = new Set<string>();
  private count = 0;
  /** The member added last: its runs tell which run varies (the template for a new one). */
  private last: string | undefined;

  get size(): number {
    return this.count;
  }

  has(s: string): boolean {
    return this.holds(s, runsOf(s));
  }

  /** @returns false when `s` was a member already. */
  add(s: string): boolean {
    const runs = runsOf(s);
    if (this.holds(s, runs)) return false;
    this.count++;
    const run = runs.length ? this.choose(s, runs) : undefined;
    if (!run) {
      this.whole.add(s);
      return true;
    }
    const t = templateOf(s, run);
    let words = this.templates.get(t);
    if (!words) this.templates.set(t, (words = new Map()));
    const w = Math.floor(run.value / BITS);
    words.set(w, (words.get(w) ?? 0) | (1 << (run.value % BITS)));
    this.last = s;
    return true;
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.whole;
    for (const [t, words] of this.templates) {
      const at = t.indexOf(MARK);
      for (const [w, bits] of words) {
        for (let b = 0; b < BITS; b++) if (bits & (1 << b)) yield `${t.slice(0, at)}${w * BITS + b}${t.slice(at + 1)}`;
      }
    }
  }

  private holds(s: string, runs: readonly Run[]): boolean {
    if (this.whole.has(s)) return true;
    for (const r of runs) if (hasBit(this.templates.get(templateOf(s, r)), r.value)) return true;
    return false;
  }

  /**
   * A template the set has already (rightmost first), else the run in which `s` differs
   * from the member added before (the counter, not the worker's number), else the last run.
   */
  private choose(s: string, runs: readonly Run[]): Run {
    for (let i = runs.length - 1; i >= 0; i--) if (this.templates.has(templateOf(s, runs[i]!))) return runs[i]!;
    const prev = this.last === undefined ? [] : runsOf(this.last);
    if (prev.length === runs.length) {
      for (let i = runs.length - 1; i >= 0; i--) if (prev[i]!.value !== runs[i]!.value) return runs[i]!;
    }
    return runs[runs.length - 1]!;
  }
}

function hasBit(words: Map<number, number> | undefined, value: number): boolean {
  return words !== undefined && ((words.get(Math.floor(value / BITS)) ?? 0) & (1 << (value % BITS))) !== 0;
}

function templateOf(s: string, r: Run): string {
  return `${s.slice(0, r.start)}${MARK}${s.slice(r.end)}`;
}

/** The maximal digit runs of `s` written canonically (no leading zero, at most 15 digits). */
function runsOf(s: string): Run[] {
  const runs: Run[] = [];
  if (s.includes(MARK)) return runs;
  for (let i = 0; i < s.length;) {
    if (!isDigit(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const len = i - start;
    if (len <= MAX_DIGITS && (len === 1 || s.charCodeAt(start) !== 48)) runs.push({ start, end: i, value: Number(s.slice(start, i)) });
  }
  return runs;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
