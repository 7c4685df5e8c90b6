import { describeValue, type ConfigIssue } from '../errors/config-error.js';
import { recorderOf, type FieldKind, type FieldRecorder } from './field-recorder.js';

/**
 * Reads typed fields from one object of an untrusted document, collecting an issue for
 * every bad field instead of stopping at the first, so all problems are reported at once.
 */
export class FieldReader {
  constructor(
    readonly path: string,
    private readonly obj: Readonly<Record<string, unknown>>,
    readonly issues: ConfigIssue[],
    /** Notes every field read (configuration reference); see field-recorder.ts. */
    private readonly recorder?: FieldRecorder,
  ) {}

  /**
   * Wraps a value that must be a plain object; records an issue and yields an empty reader
   * otherwise. A recorder attached to `value` (recordReads) is used, else `recorder`.
   */
  static of(path: string, value: unknown, issues: ConfigIssue[], recorder?: FieldRecorder): FieldReader {
    const rec = recorderOf(value) ?? recorder;
    rec?.use(path, 'object');
    if (value === undefined || value === null) return new FieldReader(path, {}, issues, rec);
    if (!isPlainObject(value)) {
      issues.push({ path, expected: 'an object', got: describeValue(value) });
      return new FieldReader(path, {}, issues, rec);
    }
    return new FieldReader(path, value, issues, rec);
  }

  private note(key: string, kind: FieldKind, extra: { fallback?: unknown; min?: number; max?: number; values?: readonly string[] } = {}): void {
    if (!this.recorder) return;
    const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
    this.recorder.note({ path: this.at(key), kind, ...clean });
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    this.note(key, 'has');
    const v = this.obj[key];
    return v !== undefined && v !== null && v !== '';
  }

  raw(key: string): unknown {
    this.note(key, 'raw');
    return this.obj[key];
  }

  /** The keys of this object, read as a map: each key is a name the caller accepts. */
  keys(): string[] {
    this.recorder?.use(this.path, 'map');
    return Object.keys(this.obj);
  }

  fail(key: string, expected: string): undefined {
    this.issues.push({ path: this.at(key), expected, got: describeValue(this.obj[key]) });
    return undefined;
  }

  string(key: string): string | undefined;
  string(key: string, fallback: string): string;
  string(key: string, fallback?: string): string | undefined {
    this.note(key, 'string', { fallback });
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return this.fail(key, 'a string') ?? fallback;
  }

  requiredString(key: string, expected = 'a non-empty string'): string {
    this.note(key, 'requiredString');
    const v = this.obj[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number') return String(v);
    this.fail(key, expected);
    return '';
  }

  /** An integer, given as a number or a numeric string (schedconfig sends both). */
  int(key: string, opts: { min?: number; max?: number }): number | undefined;
  int(key: string, opts: { min?: number; max?: number }, fallback: number): number;
  int(key: string, opts: { min?: number; max?: number } = {}, fallback?: number): number | undefined {
    this.note(key, 'int', { fallback, ...opts });
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    const range = rangeText(opts);
    if (!Number.isInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      return this.fail(key, `an integer${range}`) ?? fallback;
    }
    return n;
  }

  number(key: string, opts: { min?: number; max?: number }, fallback: number): number {
    this.note(key, 'number', { fallback, ...opts });
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      return this.fail(key, `a number${rangeText(opts)}`) ?? fallback;
    }
    return n;
  }

  /** true/false, also schedconfig's `True`/`False` strings. */
  bool(key: string, fallback: boolean): boolean {
    this.note(key, 'bool', { fallback });
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return this.fail(key, 'true or false') ?? fallback;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    this.note(key, 'oneOf', { fallback, values });
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return fallback;
    const hit = values.find((x) => typeof v === 'string' && x.toLowerCase() === v.toLowerCase());
    if (hit) return hit;
    return this.fail(key, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`) ?? fallback;
  }

  /** A list of strings, as a JSON array or a comma-separated string. */
  stringList(key: string): string[] | undefined {
    this.note(key, 'stringList');
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(v)) {
      const out: string[] = [];
      v.forEach((item, i) => {
        if (typeof item === 'string' && item.trim()) out.push(item.trim());
        else this.issues.push({ path: `${this.at(key)}[${i}]`, expected: 'a non-empty string', got: describeValue(item) });
      });
      return out;
    }
    return this.fail(key, 'a list of strings');
  }

  object(key: string): FieldReader {
    return FieldReader.of(this.at(key), this.obj[key], this.issues, this.recorder);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function rangeText(opts: { min?: number; max?: number }): string {
  if (opts.min !== undefined && opts.max !== undefined) return ` from ${opts.min} to ${opts.max}`;
  if (opts.min !== undefined) return ` ≥ ${opts.min}`;
  if (opts.max !== undefined) return ` ≤ ${opts.max}`;
  return '';
}

/** Deep-freezes plain objects and arrays. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
