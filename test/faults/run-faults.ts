/**
 * `npm run test:faults`: the fault suite from the command line.
 *
 *   npm run test:faults                         every scenario with its default seeds (2, or one per mode)
 *   npm run test:faults -- --seeds 20           seeds 1..20 for every scenario (long runs)
 *   npm run test:faults -- --only R1,R5 --seed 7 --keep
 *
 * `--seed S` runs just that seed (with `--seeds N`: S..S+N-1); `--keep` keeps every run's
 * folder (work directory, logs, traces) for inspection; folders of runs with violations
 * are kept anyway. Exit 1 when any run has a violation.
 */
import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { runSuite, seedList, violationsOf } from './fault-suite.js';
import { SCENARIOS } from './scenarios/index.js';

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

function count(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}

async function main(argv: readonly string[]): Promise<number> {
  const only = flag(argv, 'only')?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown?.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.id).join(' ')})`);
  const seedFlag = flag(argv, 'seed');
  const seedsFlag = flag(argv, 'seeds');
  const seeds = seedFlag || seedsFlag ? seedList(count(seedsFlag, 'seeds', 1), count(seedFlag, 'seed', 1)) : undefined;
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results = await runSuite({ ...(seeds ? { seeds } : {}), ...(only ? { only } : {}), log, ...(argv.includes('--keep') ? { keep: true } : {}) });
  const violations = results.flatMap(violationsOf);
  log(`\n${results.length} run(s) of ${new Set(results.map((r) => r.scenario)).size} scenario(s), seeds ${seeds ? `${seeds[0]}..${seeds[seeds.length - 1]}` : 'default'}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${violations.length} violation(s)`);
  // Each seed's violations were printed as it finished; here the kinds, counted.
  const kinds = new Map<string, number>();
  for (const v of violations) {
    const k = v.replace(/ seed \d+:/, ':').replace(/\d+-\d+-\d+-\d+-\d+/g, '<range>').replace(/\d+ ms/g, 'N ms').slice(0, 160);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  for (const [k, n] of kinds) log(`  ${String(n).padStart(4)} × ${k}`);
  return violations.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
    process.stderr.write(`test:faults: ${err.message}\n`);
    process.exitCode = 2;
  });
}
