/**
 * `espilot conformance <module...>`: how a site checks a plugin it wrote. Loads the modules
 * the way a site file's `plugins` list does (so an outside plugin with its own espilot copy is
 * tested as the pilot will load it), then runs the shipped suite of each plugin's contract and
 * prints a line per check. Exit 0 when no check failed, 1 when one did, 2 for bad input.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Experiment, PayloadLauncher, PilotError, SiteMover, builtinPluginModules, contractName, containedUrl, packageRoot, schemeOf, siteLayer,
  type Experiment as Exp, type PayloadLauncher as Launcher, type PilotRun, type PluginEntry, type SiteMover as Mover,
} from '../../core/index.js';
import { experimentChecks, runChecks, siteMoverChecks, type CheckOutcome } from '../../core/conformance/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

interface ConformanceFlags extends ConfigFlags {
  readonly contract?: string;
  readonly url?: string;
}

/** A suite bound to one plugin: runs its checks, each with a fresh fixture. */
type BoundSuite = (onOutcome: (o: CheckOutcome) => void) => Promise<CheckOutcome[]>;

const SUITES = ['SiteMover', 'Experiment'] as const;

export function registerConformanceCommand(program: Command): void {
  withConfigOptions(program.command('conformance').description('run the conformance suite of each plugin in the given modules'))
    .argument('<module...>', 'plugin modules (built .js files or package names), loaded like a site file\'s "plugins"')
    .option('--contract <name>', `test only plugins of this contract (${SUITES.join(', ')})`)
    .option('--url <base>', 'SiteMover: storage location to test against (default: a temporary file:// directory)')
    .action(async (modules: string[], flags: ConformanceFlags) => {
      process.exitCode = await conformance(modules, flags, (line) => process.stdout.write(`${line}\n`));
    });
}

/** Runs the suites; returns the exit code. */
export async function conformance(modules: readonly string[], flags: ConformanceFlags, print: (line: string) => void): Promise<number> {
  if (flags.contract !== undefined && !(SUITES as readonly string[]).includes(flags.contract)) {
    return usage(print, [`--contract: expected one of ${SUITES.join(', ')}, got "${flags.contract}"`]);
  }
  // A path given on the command line is relative to the working directory; a package name stays.
  const paths = modules.map((m) => (existsSync(m) ? resolve(m) : m));
  // A built-in is loaded anyway, under its `builtin:` label.
  const builtins = new Set(builtinPluginModules());
  const specs = paths.map((p) => (builtins.has(p) ? `builtin:${relative(packageRoot(), p)}` : p));
  let run: PilotRun;
  try {
    const sitePlugins = flags.config ? ((siteLayer(flags.config).pilot?.['plugins'] as string[] | undefined) ?? []) : [];
    const plugins = [...sitePlugins, ...paths.filter((s) => !sitePlugins.includes(s) && !builtins.has(s))];
    run = await openRun({ ...flags, logLevel: flags.logLevel ?? 'error', cliExtra: { plugins } });
  } catch (err) {
    if (err instanceof PilotError) return usage(print, [err.message]);
    throw err;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'espilot-conformance-store-'));
  try {
    const entries = run.registry.entries.filter((e) => specs.includes(e.module));
    const chosen = entries.filter((e) => (flags.contract ? contractName(e.descriptor.provides) === flags.contract : true));
    const suites: Array<readonly [PluginEntry, BoundSuite]> = [];
    const problems: string[] = [];
    for (const e of chosen) {
      const bound = bind(run, e, flags.url, scratch);
      if (typeof bound === 'string') problems.push(bound);
      else if (bound) suites.push([e, bound]);
      else print(`-    ${label(e)}: no conformance suite for ${contractName(e.descriptor.provides)} (suites: ${SUITES.join(', ')})`);
    }
    if (problems.length) return usage(print, problems);
    if (suites.length === 0) return usage(print, [`no ${flags.contract ?? SUITES.join(' or ')} plugin in ${modules.join(', ')}`]);
    const all: CheckOutcome[] = [];
    for (const [e, suite] of suites) {
      all.push(...(await suite((o) => print(line(e, o)))));
    }
    const count = (s: CheckOutcome['status']) => all.filter((o) => o.status === s).length;
    print(`conformance: ${count('pass')} passed, ${count('fail')} failed, ${count('not-run')} not run (${suites.map(([e]) => label(e)).join(', ')})`);
    return count('fail') === 0 ? 0 : 1;
  } finally {
    await run.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The suite of the plugin's contract with its fixture; a string for a plugin that cannot be tested as asked; undefined when its contract has no suite. */
function bind(run: PilotRun, entry: PluginEntry, url: string | undefined, scratch: string): BoundSuite | string | undefined {
  const d = entry.descriptor;
  if (d.provides === Experiment) {
    return (onOutcome) => runChecks(experimentChecks, async () => ({
      experiment: run.resolver.instantiate<Exp>(entry),
      launcher: run.resolver.get<Launcher>(PayloadLauncher, 'direct'),
      teardown: async () => {},
    }), onOutcome);
  }
  if (d.provides !== SiteMover) return undefined;
  const schemes = d.schemes ?? [];
  const base = url ?? (schemes.length === 0 || schemes.includes('file') ? pathToFileURL(join(scratch, 'store')).href : undefined);
  if (!base) return `${label(entry)} handles ${schemes.map((s) => `${s}://`).join(', ')}; give --url <base> on a storage it can reach`;
  if (schemes.length && !schemes.includes(schemeOf(base))) return `--url: ${label(entry)} handles ${schemes.join(', ')}, not ${schemeOf(base) || 'a URL without a scheme'} (${base})`;
  // Only plain files can be changed behind the mover's back; elsewhere the tamper check does not run.
  const tamper = schemeOf(base) === 'file' ? (u: string, bytes: Buffer) => writeFile(fileURLToPath(u), bytes) : undefined;
  return (onOutcome) => runChecks(siteMoverChecks, async () => ({
    mover: run.resolver.instantiate<Mover>(entry),
    baseUrl: containedUrl(base, `espilot-conformance-${randomBytes(4).toString('hex')}`),
    ...(tamper ? { tamper } : {}),
    teardown: async () => {},
  }), onOutcome);
}

function label(e: PluginEntry): string {
  return `${contractName(e.descriptor.provides)} ${e.descriptor.name}`;
}

function line(e: PluginEntry, o: CheckOutcome): string {
  const tag = o.status === 'pass' ? 'PASS' : o.status === 'fail' ? 'FAIL' : 'SKIP';
  return `${tag} ${label(e)}: ${o.name}${o.detail ? ` — ${o.detail}` : ''}`;
}

function usage(print: (line: string) => void, problems: readonly string[]): number {
  for (const p of problems) print(`error: ${p}`);
  return 2;
}
