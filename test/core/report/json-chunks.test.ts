/**
 * jsonChunks: the pieces joined are exactly JSON.stringify(value, null, 2), whatever the
 * shape, and a long array comes out element by element (never as one string).
 */
import test from 'ava';
import { jsonChunks } from '../../../core/report/json-chunks.js';

const long = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r-${i}`, at: i * 1.5, tags: ['a', 'b\nc'], none: undefined, ok: i % 2 === 0 }));

const shapes: Record<string, unknown> = {
  'a small object': { a: 1, b: 'x', c: [1, 2], d: {}, e: [] },
  'long arrays at depth 1 and 2': { version: 1, ranges: { total: 100, items: long(100) }, transfers: long(70), errors: [], note: 'ünïcødé – ✓' },
  'a long top-level array with holes': [...long(80), undefined, null, 'x', 3, [], {}],
  'skipped keys': { f: () => 1, u: undefined, s: Symbol('x'), items: long(65), tail: { deep: [long(66)] } },
  'a primitive': 'just a string',
  'an empty array': [],
};

for (const [name, value] of Object.entries(shapes)) {
  test(`jsonChunks equals JSON.stringify(…, null, 2): ${name}`, (t) => {
    t.is([...jsonChunks(value)].join(''), JSON.stringify(value, null, 2));
  });
}

test('a long array is written element by element', (t) => {
  const chunks = [...jsonChunks({ items: long(1000) })];
  t.true(chunks.length > 1000);
  t.true(Math.max(...chunks.map((c) => c.length)) < 300);
});
