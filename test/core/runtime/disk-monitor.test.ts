import test from 'ava';
import { mkdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, PilotError, blameFullDisk, checkBeforeJob, checkWhileRunning, diskFullCode, diskLimitsFor, diskUsage, freeBytes, localWriteError, mergeSettings, withDiskCode,
} from '../../../core/index.js';
import { sampleJob } from '../../helpers/sample-jobs.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { tinyDisk } from '../../helpers/tiny-disk.js';

const MB = 1024 * 1024;
const settings = (disk: Record<string, unknown> = {}, queuedata: Record<string, unknown> = {}) =>
  mergeSettings([{ source: 'default', pilot: { experiment: 'generic', launcher: 'direct', channel: 'zeromq', workdir: '/w', disk } }, { source: 'test', queuedata }]);

test('limits: pilot3 defaults, maxwdir + 20% grace, shared by the cores of the queue for a single-core job; maxDiskCount in MB', (t) => {
  const plain = diskLimitsFor(settings(), sampleJob());
  t.like(plain, { freeBeforeBytes: 2048 * MB, freeRunningBytes: 1024 * MB, intervalMs: 60_000 });
  t.is(plain.maxWorkdirBytes, undefined);
  t.is(plain.jobNeedBytes, undefined);
  const q = { maxwdir: 1000, corecount: 8 };
  t.is(diskLimitsFor(settings({}, q), sampleJob({ coreCount: 1 })).maxWorkdirBytes, Math.floor((1000 * MB * 1.2) / 8));
  t.is(diskLimitsFor(settings({}, q), sampleJob({ coreCount: 8 })).maxWorkdirBytes, Math.floor(1000 * MB * 1.2));
  t.is(diskLimitsFor(settings({}, q), sampleJob()).maxInputBytes, 1000 * MB);
  t.is(diskLimitsFor(settings(), sampleJob({ maxDiskCount: 300 })).jobNeedBytes, 300 * MB);
  t.like(diskLimitsFor(settings({ checkIntervalS: 0.5, freeSpaceLimitMB: 10, freeSpaceLimitRunningMB: 5 }), sampleJob()), { intervalMs: 500, freeBeforeBytes: 10 * MB, freeRunningBytes: 5 * MB });
});

test('disk settings are checked: a bad value names the field', (t) => {
  const err = t.throws(() => settings({ checkIntervalS: 0, freeSpaceLimitMB: -1 }));
  t.regex(err!.message + JSON.stringify((err as unknown as { issues: unknown }).issues), /config\.disk\.checkIntervalS/);
  t.regex(JSON.stringify((err as unknown as { issues: unknown }).issues), /config\.disk\.freeSpaceLimitMB/);
});

test('before the job: inputs above maxwdir are SIZETOOLARGE, inputs above the free space NOLOCALSPACE', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const small = diskLimitsFor(settings({ freeSpaceLimitMB: 0 }, { maxwdir: 1 }), sampleJob());
  const big = sampleJob({ inputFiles: [{ lfn: 'a', size: 2 * MB }] });
  t.like(await checkBeforeJob(dir.path, big, small), { code: ErrorCodes.SIZETOOLARGE });
  // Larger than the whole file system: never fits, however much other writers free meanwhile.
  const fs = await statfs(dir.path);
  const huge = sampleJob({ inputFiles: [{ lfn: 'a', size: fs.blocks * fs.bsize + MB }] });
  const e = await checkBeforeJob(dir.path, huge, diskLimitsFor(settings({ freeSpaceLimitMB: 0 }), huge));
  t.is(e?.code, ErrorCodes.NOLOCALSPACE);
  t.regex(e!.message, /staging input files/);
  t.is(await checkBeforeJob(dir.path, sampleJob(), diskLimitsFor(settings({ freeSpaceLimitMB: 0 }), sampleJob())), undefined);
});

test('du of a job directory counts allocated blocks, nested, links not followed', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  await mkdir(join(dir.path, 'sub'));
  await writeFile(join(dir.path, 'sub', 'a'), Buffer.alloc(100_000, 1));
  await writeFile(join(dir.path, 'b'), Buffer.alloc(50_000, 1));
  const used = await diskUsage(dir.path);
  t.true(used >= 150_000 && used < 200_000, String(used));
  t.like(await checkWhileRunning(dir.path, { freeBeforeBytes: 0, freeRunningBytes: 0, intervalMs: 1, maxWorkdirBytes: 100_000 }), { code: ErrorCodes.USERDIRTOOLARGE });
  t.is(await checkWhileRunning(dir.path, { freeBeforeBytes: 0, freeRunningBytes: 0, intervalMs: 1, maxWorkdirBytes: 1_000_000 }), undefined);
});

test.serial('statfs sees a real small disk: free space drops as it fills; a full one is NOLOCALSPACE while running', async (t) => {
  const disk = await tinyDisk(2);
  t.teardown(() => disk.unmount());
  t.true((await freeBytes(disk.path)) > 1.9 * MB);
  await disk.fill(256 * 1024);
  const left = await freeBytes(disk.path);
  t.true(left <= 300 * 1024, String(left));
  const e = await checkWhileRunning(disk.path, { freeBeforeBytes: 0, freeRunningBytes: MB, intervalMs: 1 });
  t.is(e?.code, ErrorCodes.NOLOCALSPACE);
  t.regex(e!.message, new RegExp(`\\d+ B free on ${disk.path} \\(need > ${MB} B\\)`));
});

test('disk errors: ENOSPC and EDQUOT (also as a cause) are NOLOCALSPACE naming what was written; others FILEHANDLINGFAILURE; PilotErrors pass', (t) => {
  const errno = (code: string) => Object.assign(new Error(`${code}: oops`), { code });
  t.is(diskFullCode(errno('ENOSPC')), 'ENOSPC');
  t.is(diskFullCode(new Error('wrapped', { cause: errno('EDQUOT') })), 'EDQUOT');
  t.is(diskFullCode(errno('EACCES')), undefined);
  const full = localWriteError(errno('ENOSPC'), 'job state file /w/x.json');
  t.like(full, { code: ErrorCodes.NOLOCALSPACE, message: 'no space left on device (ENOSPC) writing job state file /w/x.json' });
  t.like(localWriteError(errno('EDQUOT'), 'y'), { code: ErrorCodes.NOLOCALSPACE, message: 'disk quota exceeded (EDQUOT) writing y' });
  t.like(localWriteError(errno('EIO'), 'z'), { code: ErrorCodes.FILEHANDLINGFAILURE });
  const pe = new PilotError(ErrorCodes.NOREMOTESPACE, 'SE full');
  t.is(localWriteError(pe, 'z'), pe);
  t.is(withDiskCode(pe, 'z'), pe);
  const other = errno('EIO');
  t.is(withDiskCode(other, 'z'), other);
  t.like(withDiskCode(errno('ENOSPC'), 'z') as PilotError, { code: ErrorCodes.NOLOCALSPACE });
});

test.serial('a job that failed with its work disk full failed because of it; finished jobs, disk codes and pending reports are left alone', async (t) => {
  const disk = await tinyDisk(1);
  t.teardown(() => disk.unmount());
  const limits = { freeBeforeBytes: 0, freeRunningBytes: 64 * 1024, intervalMs: 1 };
  const died = Object.freeze({ state: 'failed' as const, pilotErrorCode: ErrorCodes.ESATHENAMPDIED, pilotErrorDiag: 'payload ended (exit code 1)', transExitCode: 1, nEvents: 3, cpuConsumptionTime: 0, startTime: 1, endTime: 2 });
  t.is(await blameFullDisk(died, disk.path, limits), died, 'space left: the payload\'s own failure');
  await disk.fill(0);
  const blamed = await blameFullDisk(died, disk.path, limits);
  t.like(blamed, { state: 'failed', pilotErrorCode: ErrorCodes.NOLOCALSPACE, nEvents: 3, transExitCode: 1 });
  t.regex(blamed.pilotErrorDiag, new RegExp(`^work disk full at the end of the job: \\d+ B free on ${disk.path} \\(need > 65536 B\\); payload ended \\(exit code 1\\)$`));
  for (const keep of [{ ...died, state: 'finished' as const, pilotErrorCode: 0 }, { ...died, pilotErrorCode: ErrorCodes.USERDIRTOOLARGE }, { ...died, state: 'holding' as const, pilotErrorCode: ErrorCodes.ESRECOVERABLE }]) {
    t.is(await blameFullDisk(keep, disk.path, limits), keep);
  }
});
