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

/** Collects reads in first-read order; a typed read replaces an earlier `has`/`raw` of the same path. */
export class FieldRecorder {
  private readonly byPath = new Map<string, FieldRead>();

  note(read: FieldRead): void {
    const prior = this.byPath.get(read.path);
    if (prior && prior.kind !== 'has' && prior.kind !== 'raw') return;
    if (prior && (read.kind === 'has' || read.kind === 'raw')) return;
    this.byPath.set(read.path, read);
  }

  get reads(): readonly FieldRead[] {
    return [...this.byPath.values()];
  }
}

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
