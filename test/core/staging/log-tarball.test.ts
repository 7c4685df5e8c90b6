import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogTarball } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);

test('the log leaves out 200,000 range outputs in worker folders (far past what argv holds), literally, and keeps the rest', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const job = join(dir.path, 'job');
  for (const w of [0, 1]) await mkdir(join(job, `worker_${w}`), { recursive: true });
  const kept = ['pilotlog.txt', 'worker_0/AthenaMP.log', 'worker_1/HITS.x1-77-1-7-1', 'worker_1/axb'];
  const excluded = ['worker_0/HITS.1-77-1-1-1', 'worker_1/HITS.1-77-1-2-1', 'worker_1/a*b', 'HITS.1-77-1-3-1'];
  for (const f of [...kept, ...excluded]) await writeFile(join(job, f), f);
  // ~9 MB of paths: argv is ~2 MB (a quarter of the 8 MB stack), so tar must read them from a file.
  const many = Array.from({ length: 200_000 }, (_, i) => `worker_${i % 2}/HITS.pool.root.1.31247654-6543210987-1000-${i + 10}-1`);
  const tar = await createLogTarball(job, 'log.tgz', new Set([...excluded, ...many]), { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
  const { stdout } = await run('tar', ['-tzf', tar], { maxBuffer: 16 * 1024 * 1024 });
  t.deepEqual(stdout.split('\n').filter((l) => l && !l.endsWith('/')).sort(), [...kept].sort());
  t.deepEqual((await readdir(job)).filter((n) => n.startsWith('.')), [], 'the exclude list is removed');
});
