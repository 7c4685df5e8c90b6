/**
 * Finding and extending one option's value in a transform command line without re-parsing
 * the whole shell text: `--name 'v'`, `--name="v"`, `--name=v` and `--name v` forms.
 */

export interface OptionValue {
  /** Index of the first character of the value text (inside its quotes). */
  readonly start: number;
  /** Index just past the value text (before a closing quote). */
  readonly end: number;
  readonly quote: "'" | '"' | '';
  /** The value as written (escapes inside double quotes kept). */
  readonly text: string;
}

/** The first value of `--<name>` in `command`, or undefined when the option is absent. */
export function findOption(command: string, name: string): OptionValue | undefined {
  const re = new RegExp(`(?:^|\\s)--${name}(=|\\s+)`, 'g');
  const m = re.exec(command);
  if (!m) return undefined;
  const at = m.index + m[0].length;
  const q = command[at];
  if (q === "'") {
    const close = command.indexOf("'", at + 1);
    const end = close < 0 ? command.length : close;
    return { start: at + 1, end, quote: "'", text: command.slice(at + 1, end) };
  }
  if (q === '"') {
    let i = at + 1;
    while (i < command.length && command[i] !== '"') i += command[i] === '\\' ? 2 : 1;
    const end = Math.min(i, command.length);
    return { start: at + 1, end, quote: '"', text: command.slice(at + 1, end) };
  }
  const rest = /^\S*/.exec(command.slice(at))![0];
  // `--name --other` is a bare flag, not a value.
  if (rest.startsWith('--')) return { start: at, end: at, quote: '', text: '' };
  return { start: at, end: at + rest.length, quote: '', text: rest };
}

/**
 * `command` with `text` (plain text without single quotes) inserted into the option's value at
 * `offset` (relative to the value start), quoted to match how the value is written.
 */
export function insertIntoOption(command: string, value: OptionValue, offset: number, text: string): string {
  const at = value.start + offset;
  const quoted = value.quote === "'" ? text : value.quote === '"' ? text.replace(/[$`"\\]/g, '\\$&') : `'${text}'`;
  return command.slice(0, at) + quoted + command.slice(at);
}

/** True when the boolean transform option `--<name>` is given and not set false. */
export function flagIsSet(command: string, name: string): boolean {
  const v = findOption(command, name);
  if (v === undefined) return new RegExp(`(?:^|\\s)--${name}$`).test(command.trimEnd());
  return !/^(?:all:)?(false|0|no)$/i.test(v.text.trim());
}
