/**
 * Command-line parsing for the simulator scripts: `--name=value`, `--name value` and bare
 * boolean flags. An unknown flag or a bad value is an error naming the flag.
 */
export type FlagKind = 'string' | 'int' | 'number' | 'bool' | 'optional-int';

export type FlagSpec = Readonly<Record<string, FlagKind>>;

export type ParsedFlags = Record<string, string | number | boolean | undefined>;

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
