/**
 * The house rules that no compiler checks: core/'s folders import each other without a cycle,
 * the core never imports a plugin, and a plugin imports espilot only through the package
 * entry (never a deep path, never tsyringe itself). Reads the TypeScript sources as text.
 */
import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/core/architecture → the repository root.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of every import and re-export, type-only ones included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/g), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
}

/** Folder of core/ a file lives in ('.' for core/index.ts and siblings). */
function coreFolder(file: string): string {
  const parts = relative(join(ROOT, 'core'), file).split(sep);
  return parts.length > 1 ? parts[0]! : '.';
}

export function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (v: string) => {
    state.set(v, 'open');
    path.push(v);
    for (const w of edges.get(v) ?? []) {
      if (state.get(w) === 'open') cycles.push([...path.slice(path.indexOf(w)), w]);
      else if (!state.has(w)) visit(w);
    }
    path.pop();
    state.set(v, 'done');
  };
  for (const v of edges.keys()) if (!state.has(v)) visit(v);
  return cycles;
}

test('the cycle finder finds a cycle (so the next test can fail)', (t) => {
  const edges = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
  t.deepEqual(folderCycles(edges), [['a', 'b', 'c', 'a']]);
  t.deepEqual(folderCycles(new Map([['a', new Set(['b'])], ['b', new Set<string>()]])), []);
});

test('core/ folders import each other without a cycle, and the core imports no plugin', (t) => {
  const edges = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const file of sources(join(ROOT, 'core'))) {
    const from = coreFolder(file);
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file), spec));
      t.false(target.startsWith(join(ROOT, 'plugins')), `${relative(ROOT, file)} imports a plugin (${spec})`);
      if (!target.startsWith(join(ROOT, 'core') + sep)) continue;
      const to = coreFolder(target);
      if (from === '.' || to === '.' || from === to) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      why.set(`${from}→${to}`, relative(ROOT, file));
    }
  }
  t.true(edges.size >= 8, `read the folders of core/ (found ${[...edges.keys()].join(', ')})`);
  const cycles = folderCycles(edges);
  t.deepEqual(cycles.map((c) => c.map((f, i) => (i ? `${f} (${why.get(`${c[i - 1]}→${f}`)})` : f)).join(' → ')), []);
});

test('a plugin imports espilot only through the package entry, and never tsyringe', (t) => {
  for (const file of sources(join(ROOT, 'plugins'))) {
    for (const spec of specifiers(file)) {
      t.not(spec, 'tsyringe', `${relative(ROOT, file)} imports tsyringe (take inject from the package entry)`);
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file), spec));
      if (target.startsWith(join(ROOT, 'core'))) t.is(relative(ROOT, target), join('core', 'index.js'), `${relative(ROOT, file)} imports ${spec}`);
    }
  }
});
