/**
 * Where espilot is installed: the folder of its package.json. Task files use it as
 * `${ESPILOT_ROOT}`, so payload commands can name the package's own scripts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found by walking up from this module (works from `dist/` and from sources). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'espilot') return dir;
      } catch { /* not ours; keep looking */ }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the espilot package root above ${from}`);
  }
}

/** The built-in demo task (`config/demo-task.json`). */
export function demoTaskPath(root: string = packageRoot()): string {
  return join(root, 'config', 'demo-task.json');
}
