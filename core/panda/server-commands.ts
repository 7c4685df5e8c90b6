/**
 * The commands PanDA sends back with updateJob and updateEventRanges replies, parsed once.
 * A reply's `command` may hold several, comma-separated (`softkill,debug`); `NULL` (any
 * case) and empty entries mean none. Names are compared trimmed and case-insensitively.
 */
import type { ServerCommand } from '../contracts/panda-api.js';

export type ServerCommandKind = 'tobekilled' | 'softkill' | 'debug' | 'debugoff' | 'other';

const KNOWN: ReadonlySet<string> = new Set(['tobekilled', 'softkill', 'debug', 'debugoff']);

export interface ParsedServerCommand {
  readonly kind: ServerCommandKind;
  /** The command as the server sent it, trimmed (for logs). */
  readonly text: string;
}

/** Never throws: an unknown command is `other` (the caller logs and ignores it). */
export function parseServerCommands(commands: readonly ServerCommand[]): readonly ParsedServerCommand[] {
  const out: ParsedServerCommand[] = [];
  for (const raw of commands) {
    for (const text of String(raw).split(',').map((c) => c.trim())) {
      const name = text.toLowerCase();
      if (!name || name === 'null') continue;
      out.push(Object.freeze({ kind: KNOWN.has(name) ? (name as ServerCommandKind) : 'other', text }));
    }
  }
  return Object.freeze(out);
}
