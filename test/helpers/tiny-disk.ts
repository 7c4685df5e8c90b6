/**
 * A real small file system for disk-full tests: a tmpfs of a few MiB mounted on a fresh temp
 * directory (the tests run as root, here and in CI). Writes beyond its size fail with ENOSPC,
 * and statfs reports its real free space. `fill` leaves about `leaveBytes` free; `unmount`
 * (always register it as a teardown) removes it and the mount point.
 */
import { execFile } from 'node:child_process';
import { open, rm, rmdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

export interface TinyDisk {
  readonly path: string;
  readonly sizeBytes: number;
  /** Bytes an unprivileged writer can still use. */
  free(): Promise<number>;
  /** Writes a filler file until about `leaveBytes` are free (0: completely full). */
  fill(leaveBytes?: number, name?: string): Promise<void>;
  /** Removes the filler files. */
  drain(): Promise<void>;
  unmount(): Promise<void>;
}

export async function tinyDisk(sizeMiB: number): Promise<TinyDisk> {
  const dir = await tempDir('espilot-tinydisk-');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir.path]);
  } catch (err) {
    await dir.remove();
    throw new Error(`cannot mount a ${sizeMiB} MiB tmpfs on ${dir.path} (the disk-full tests need root): ${(err as Error).message}`);
  }
  const fillers: string[] = [];
  let mounted = true;
  const free = async () => {
    const s = await statfs(dir.path);
    return s.bavail * s.bsize;
  };
  return {
    path: dir.path,
    sizeBytes: sizeMiB * 1024 * 1024,
    free,
    async fill(leaveBytes = 0, name = `.filler-${fillers.length}`) {
      const path = join(dir.path, name);
      fillers.push(path);
      const fh = await open(path, 'w');
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      try {
        for (;;) {
          const left = (await free()) - leaveBytes;
          if (left <= 0) break;
          await fh.write(chunk, 0, Math.min(chunk.length, left));
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        await fh.close();
      }
    },
    async drain() {
      for (const f of fillers.splice(0)) await rm(f, { force: true });
    },
    async unmount() {
      if (!mounted) return;
      mounted = false;
      await run('umount', ['-l', dir.path]).catch(() => undefined);
      await rmdir(dir.path).catch(() => undefined);
    },
  };
}
