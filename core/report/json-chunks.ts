/**
 * `JSON.stringify(value, null, 2)` in pieces: containers that hold long arrays are walked,
 * everything else is stringified whole, so a report with 10,000 ranges is written without
 * ever holding its 10+ MB of text (or a copy of it) in memory. The pieces joined are exactly
 * the text JSON.stringify gives, for plain data (no `toJSON`, no cycles).
 */

/** Arrays longer than this are written element by element. */
const LONG = 64;

export function* jsonChunks(value: unknown, pad = ''): Generator<string> {
  if (!holdsLong(value, 3)) {
    yield reindent(JSON.stringify(value, null, 2) ?? 'null', pad);
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i ? ',' : ''}\n${inner}`;
      const v = value[i];
      yield* jsonChunks(v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v, inner);
    }
    yield `\n${pad}]`;
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  yield '{';
  for (const [i, [k, v]] of entries.entries()) {
    yield `${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `;
    yield* jsonChunks(v, inner);
  }
  yield `\n${pad}}`;
}

/** A plain object or array that has an array of more than LONG elements within `depth` levels. */
function holdsLong(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || depth < 0 || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) return v.length > LONG || (depth > 0 && v.some((x) => holdsLong(x, depth - 1)));
  return depth > 0 && Object.values(v).some((x) => holdsLong(x, depth - 1));
}

/** Continues a nested JSON text at indentation `pad` (its first line is already placed). */
function reindent(text: string, pad: string): string {
  return pad && text.includes('\n') ? text.replace(/\n/g, `\n${pad}`) : text;
}
