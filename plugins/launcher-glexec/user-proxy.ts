/**
 * The job's user proxy on disk, readable by the pilot's user only, for glexec to hand over.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProxyFile {
  readonly path: string;
  remove(): Promise<void>;
}

/** Writes `content` as `<private 0700 dir>/user_proxy` with mode 0600. */
export async function writeUserProxy(content: string, baseDir = tmpdir()): Promise<ProxyFile> {
  const dir = await mkdtemp(join(baseDir, 'espilot-proxy-')); // mkdtemp creates 0700
  const path = join(dir, 'user_proxy');
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
