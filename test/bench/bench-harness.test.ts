/**
 * `npm run bench -- --quick` end to end: every benchmark runs briefly against real parts
 * (its own Swift included) and the results file has the shape the README's table is filled
 * from. Timings are not asserted: on a busy CI machine they mean nothing.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults } from '../../bench/run.js';
import { tempDir } from '../helpers/temp-dir.js';

const IDS = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6a', 'B6b', 'B7', 'B8'];

function isStats(s: unknown): boolean {
  const o = s as { min: number; median: number; max: number; n: number } | undefined;
  return !!o && o.n >= 1 && [o.min, o.median, o.max].every(Number.isFinite) && o.min <= o.median && o.median <= o.max;
}

test('npm run bench -- --quick runs B1–B7 beside their baselines and writes the results file', async (t) => {
  const dir = await tempDir('espilot-bench-');
  t.teardown(() => dir.remove());
  const out = join(dir.path, 'results.json');
  const child = spawn(process.execPath, ['dist/bench/run.js', '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  t.is(code, 0, `${stdout}\n${stderr.slice(-3000)}`);

  const res = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
  t.like(res, { version: 1, quick: true, errors: {} });
  t.true(res.host.cpus >= 1 && typeof res.host.node === 'string');
  t.deepEqual(Object.keys(res.results).sort(), [...IDS].sort());
  t.deepEqual([...new Set(res.rows.map((r) => r.id))].sort(), [...IDS].sort());
  for (const row of res.rows) {
    t.true(isStats(row.espilot), `${row.id} ${row.label}: ${JSON.stringify(row.espilot)}`);
    if (row.baseline) {
      t.true(isStats(row.baseline.stats) && isStats(row.ratio), `${row.id} ${row.label}: baseline and ratio`);
      t.is(typeof row.pass, 'boolean');
    }
  }
  // Every benchmark with a baseline compares against one measured in this run.
  for (const id of ['B1', 'B2', 'B3', 'B4', 'B5', 'B6b', 'B7', 'B8']) t.true(res.rows.some((r) => r.id === id && r.baseline), id);
  t.true(res.rows.some((r) => r.id === 'B5' && r.unit === 'MiB' && r.goal?.includes('200')), 'B5 reports peak RSS against its goal');
  // The printed table names every benchmark.
  for (const id of IDS) t.regex(stdout, new RegExp(`\\| ${id} +\\|`));
});
