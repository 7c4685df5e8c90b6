/**
 * Quoting for values the pilot inserts into payload shell commands (`/bin/sh -c`). Job
 * parameters are shell text by contract and are passed through untouched; anything the pilot
 * adds (paths, channel names, options) goes through one of these.
 */

const SAFE = /^[A-Za-z0-9_./,:=@%+-]+$/;

/** `value` as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted. */
export function shellQuote(value: string): string {
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `value` inside double quotes with `$`, backtick, `"` and `\` escaped (the pilot's `export X="..."` form). */
export function shellDoubleQuote(value: string): string {
  return `"${value.replace(/[$`"\\]/g, '\\$&')}"`;
}

/** `export NAME="value"; ` for prefixing a command. */
export function shellExport(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${JSON.stringify(name)}`);
  return `export ${name}=${shellDoubleQuote(value)}; `;
}
