import test from 'ava';
import { ErrorCodes, PilotError, classifyToolOutput, commandFailure, fileSystemTransferError, transferError, transferErrorCode, transferTimeoutMs } from '../../../core/index.js';

test('tool output from xrdcp and gfal maps to the pilot failure kinds', (t) => {
  const cases: Array<[string, ReturnType<typeof classifyToolOutput>]> = [
    ['Run: [ERROR] CheckSum error', 'adler32-mismatch'],
    ['gfal-copy error: 5 (Input/output error) - SOURCE CHECKSUM MISMATCH Source checksum and user-specified checksum do not match: de26cb3a != 14c8cb39', 'adler32-mismatch'],
    ['md5 checksum mismatch', 'md5-mismatch'],
    ['Run: [ERROR] Server responded with an error: [3013] query chksum is not supported', 'checksum-unsupported'],
    ['gfal-sum error: 38 (Function not implemented) - checksum calculation for ADLER32 not supported', 'checksum-unsupported'],
    ['Run: [ERROR] Invalid operation: file exists', 'file-exists'],
    ['gfal-copy error: 17 (File exists) - Destination root://h//x exists and overwrite is not set', 'file-exists'],
    ['[ERROR] Server responded with an error: [3011] Unable to open /ev/a/nope; no such file or directory', 'no-such-file'],
    ['gfal-copy error: 1 (Operation not permitted) - DESTINATION OVERWRITE HTTP 403 : Permission refused', 'authentication'],
    ['[ERROR] Server responded with an error: [3010] Unable to give access - user access restricted', 'authentication'],
    ['Run: [ERROR] Server responded with an error: [3009] No space left on device', 'no-space'],
    ['[ERROR] Operation expired', 'timeout'],
    ['gfal-copy error: 110 (Connection timed out)', 'timeout'],
    ['Run: [FATAL] Connection error:  (destination)', 'failed'],
    ['gfal-copy error: 111 (Connection refused)', 'failed'],
  ];
  for (const [output, kind] of cases) t.is(classifyToolOutput(output), kind, output);
});

test('each failure kind has its stage-in and stage-out codes and recoverability', (t) => {
  const pairs: Array<[Parameters<typeof transferErrorCode>[0], number, number, boolean]> = [
    ['timeout', 1151, 1152, true],
    ['adler32-mismatch', 1171, 1172, false],
    ['md5-mismatch', 1145, 1141, false],
    ['size-mismatch', 1175, 1139, false],
    ['no-such-file', 1103, 1137, false],
    ['authentication', 1338, 1383, false],
    ['no-space', 1098, 1333, false],
    ['checksum-unsupported', 1242, 1242, false],
    ['file-exists', 1221, 1221, false],
    ['failed', 1099, 1137, true],
  ];
  for (const [kind, inCode, outCode, recoverable] of pairs) {
    t.is(transferErrorCode(kind, 'in'), inCode, kind);
    t.is(transferErrorCode(kind, 'out'), outCode, kind);
    t.is(transferError(kind, 'out', 'x').recoverable, recoverable, kind);
  }
  t.true(transferError('adler32-mismatch', 'out', 'transit', { recoverable: true }).recoverable);
});

test('a killed command is a timeout whatever it printed', (t) => {
  const e = commandFailure({ exitCode: null, signal: 'SIGTERM', stdout: '', stderr: 'Run: [ERROR] CheckSum error', timedOut: true, aborted: false }, 'out', 'xrdcp to x');
  t.is(e.code, ErrorCodes.PUTTIMEOUT);
  t.regex(e.message, /deadline exceeded \(signal SIGTERM\): Run: \[ERROR\] CheckSum error/);
});

test('pilot3 time budget: 400 s + 1 s per MB, at most 3 h', (t) => {
  t.is(transferTimeoutMs(0), 400_000);
  t.is(transferTimeoutMs(1_000_000_000), 1_400_000);
  t.is(transferTimeoutMs(50e12), 3 * 3600 * 1000);
  t.is(transferTimeoutMs(10e6, { baseS: 10, perMBs: 2, maxS: 100 }), 30_000);
});

test('file-system errors of a copy map to the same table: full disk, refused write, the rest retryable', (t) => {
  const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });
  const full = fileSystemTransferError(errno('ENOSPC'), 'out', 'file:///se/x');
  t.is(full.code, ErrorCodes.NOREMOTESPACE);
  t.false(full.recoverable);
  t.is(fileSystemTransferError(errno('EDQUOT'), 'in', '/job/x').code, ErrorCodes.NOLOCALSPACE);
  const refused = fileSystemTransferError(errno('EROFS'), 'in', '/job/x');
  t.is(refused.code, ErrorCodes.STAGEINFAILED);
  t.false(refused.recoverable);
  const other = fileSystemTransferError(errno('EIO'), 'out', 'file:///se/x');
  t.is(other.code, ErrorCodes.STAGEOUTFAILED);
  t.true(other.recoverable);
  t.regex(other.message, /stage-out of file:\/\/\/se\/x failed: EIO/);
  const already = new PilotError(ErrorCodes.PUTTIMEOUT, 'deadline', { recoverable: true });
  t.is(fileSystemTransferError(already, 'out', 'x'), already);
});
