/** Runs a script's main when the module is the process's entry point (not when imported). */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

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
