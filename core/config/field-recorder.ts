/**
 * Records which fields a parser reads, with their type and fallback, so that the
 * configuration reference is generated from the parsers themselves and cannot drift from
 * them. A document carries its recorder under a symbol key (invisible to `Object.keys` and
 * JSON), and every FieldReader over it or its sub-objects notes each read: no global state,
 * and no parser needs to know it is being recorded.
 */

export type FieldKind = 'string' | 'requiredString' | 'int' | 'number' | 'bool' | 'oneOf' | 'stringList' | 'raw' | 'has';

export interface FieldRead {
  /** Dotted path from the parser's root (`config.server.url`, `queuedata.stageinretry`). */
  readonly path: string;
  readonly kind: FieldKind;
  /** The parser's fallback when the field is absent. */
  readonly fallback?: unknown;
  readonly min?: number;
  readonly max?: number;
  /** `oneOf` values. */
  readonly values?: readonly string[];
}

/**
 * How a parser used a path: read a `field`, took the value `whole` (a free-form value:
 * nothing below it is checked), opened it as an `object` (its keys must be ones it reads)
 * or enumerated it as a `map` (every key is a name the parser accepts).
 */
export type FieldUse = 'field' | 'whole' | 'object' | 'map';

/** Collects reads in first-read order; a typed read replaces an earlier `has`/`raw` of the same path. */
export class FieldRecorder {
  private readonly byPath = new Map<string, FieldRead>();
  private readonly uses = new Map<string, Set<FieldUse>>();

  note(read: FieldRead): void {
    this.use(read.path, read.kind === 'raw' ? 'whole' : 'field');
    const prior = this.byPath.get(read.path);
    if (prior && prior.kind !== 'has' && prior.kind !== 'raw') return;
    if (prior && (read.kind === 'has' || read.kind === 'raw')) return;
    this.byPath.set(read.path, read);
  }

  get reads(): readonly FieldRead[] {
    return [...this.byPath.values()];
  }

  use(path: string, how: FieldUse): void {
    const set = this.uses.get(path) ?? new Set<FieldUse>();
    this.uses.set(path, set.add(how));
  }

  /** How the parser used `path` (empty when it never looked at it). */
  usesOf(path: string): ReadonlySet<FieldUse> {
    return this.uses.get(path) ?? NO_USE;
  }

  /** The keys the parser looked at directly under `path` (`''` is the root). */
  keysUnder(path: string): string[] {
    const prefix = path ? `${path}.` : '';
    return [...this.uses.keys()].filter((p) => p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('.')).map((p) => p.slice(prefix.length));
  }
}

const NO_USE: ReadonlySet<FieldUse> = new Set();

const RECORDER = Symbol.for('espilot:field-recorder');

/** Attaches `recorder` to a plain object document (mutates and returns it). */
export function recordReads<T extends object>(doc: T, recorder: FieldRecorder): T {
  Object.defineProperty(doc, RECORDER, { value: recorder, enumerable: false });
  return doc;
}

/** The recorder attached to a document, if any. */
export function recorderOf(value: unknown): FieldRecorder | undefined {
  return value && typeof value === 'object' ? ((value as Record<symbol, unknown>)[RECORDER] as FieldRecorder | undefined) : undefined;
}

/** A human type for a recorded read: `integer ≥ 1`, `"text" \| "json"`, `list of strings`. */
export function describeFieldType(r: FieldRead): string {
  const range = r.min !== undefined && r.max !== undefined ? ` ${r.min}–${r.max}` : r.min !== undefined ? ` ≥ ${r.min}` : r.max !== undefined ? ` ≤ ${r.max}` : '';
  switch (r.kind) {
    case 'requiredString': return 'string (required)';
    case 'int': return `integer${range}`;
    case 'number': return `number${range}`;
    case 'bool': return 'boolean';
    case 'oneOf': return (r.values ?? []).map((v) => `"${v}"`).join(' | ');
    case 'stringList': return 'list of strings (array or comma-separated)';
    case 'raw': return 'object';
    case 'has': return 'any';
    default: return 'string';
  }
}
