/**
 * Command-line handling for the simulator scripts: `--name=value`, `--name value` and bare
 * boolean flags, `list` flags taking one or more values (`--name a b c` or `--name=a,b`),
 * `@file` arguments expanded to the file's lines as the ATLAS transforms' argparse does
 * (`fromfile_prefix_chars='@'`; an unknown flag or a bad value is an error naming the flag),
 * and running a script's main only when it is the process's entry point.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type FlagKind = 'string' | 'int' | 'number' | 'bool' | 'optional-int' | 'list';

export type FlagSpec = Readonly<Record<string, FlagKind>>;

export type ParsedFlags = Record<string, string | number | boolean | readonly string[] | undefined>;

/**
 * Replaces each `@<file>` argument by the lines of that file (relative to `cwd`), one argument
 * per line, as argparse reads an argument file; the final newline ends the last line.
 * @throws UsageError naming a file that cannot be read.
 */
export function expandArgFiles(argv: readonly string[], cwd: string): string[] {
  return argv.flatMap((arg) => {
    if (!arg.startsWith('@') || arg.length === 1) return [arg];
    let text: string;
    try {
      text = readFileSync(resolve(cwd, arg.slice(1)), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the argument file ${arg.slice(1)}: ${(err as Error).message}`);
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  });
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(' ')})`);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (kind === 'list') {
      const values = value === undefined ? [] : value.split(',').map((v) => v.trim()).filter(Boolean);
      while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
      if (!values.length) throw new UsageError(`--${name} needs one or more values`);
      out[name] = [...((out[name] as readonly string[] | undefined) ?? []), ...values];
      continue;
    }
    const next = argv[i + 1];
    const takesNext = kind !== 'bool' && (kind !== 'optional-int' || (next !== undefined && /^\d+$/.test(next)));
    if (value === undefined && takesNext) {
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    out[name] = convert(name, kind, value);
  }
  return out;
}

function convert(name: string, kind: FlagKind, value: string | undefined): string | number | boolean {
  switch (kind) {
    case 'bool':
      if (value === undefined || value === 'true') return true;
      if (value === 'false') return false;
      throw new UsageError(`--${name} is a flag (true or false), got ${JSON.stringify(value)}`);
    case 'optional-int':
    case 'int': {
      if (value === undefined) return 0;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} needs a whole number ≥ 0, got ${JSON.stringify(value)}`);
      return n;
    }
    case 'number': {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} needs a number ≥ 0, got ${JSON.stringify(value)}`);
      return n;
    }
    default:
      if (!value) throw new UsageError(`--${name} needs a non-empty value`);
      return value;
  }
}

/** Runs a script's main when the module is the process's entry point (not when imported). */
export function runIfMain(moduleUrl: string, name: string, main: () => Promise<void>): void {
  let entry: string | undefined;
  try {
    entry = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : undefined;
  } catch {
    entry = undefined;
  }
  if (entry !== moduleUrl) return;
  main().catch((err: Error) => {
    process.stderr.write(`${name}: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
