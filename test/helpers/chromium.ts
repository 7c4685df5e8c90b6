import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's Chromium (installed by .ci/run). */
export const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';

/**
 * Runs headless Chromium on a local page with a fresh profile and no network services, and
 * returns its stdout (`--dump-dom` gives the DOM after the page's scripts ran).
 * @throws Error when Chromium exits non-zero or runs past `timeoutMs`.
 */
export async function runChromium(page: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'espilot-chromium-'));
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(CHROMIUM, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, ...args, pathToFileURL(page).href,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`chromium exited ${code ?? signal}: ${err.slice(-2000)}`));
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
