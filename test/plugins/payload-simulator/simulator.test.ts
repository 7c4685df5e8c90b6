import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  configFrom, readAthenaReply, simulatorOutputBytes, verifyMergedOutput, verifySimulatorOutput, verifySimulatorOutputFile,
} from '../../../plugins/payload-simulator/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const execp = promisify(execFile);
const SIM = join(process.cwd(), 'dist/plugins/payload-simulator');
const header = (id: string, bodyBytes = 1000) => ({ eventRangeID: id, startEvent: 3, lastEvent: 4, LFN: 'EVNT.1', GUID: 'G', outputFile: 'HITS.1', bodyBytes });

test('output bytes are a function of the range; any change is detected', (t) => {
  const a = simulatorOutputBytes(header('1-2-3'));
  t.true(a.equals(simulatorOutputBytes(header('1-2-3'))));
  t.false(a.equals(simulatorOutputBytes(header('1-2-4'))));
  t.true(verifySimulatorOutput(a, { eventRangeId: '1-2-3', name: 'HITS.1.1-2-3' }).ok);
  t.like(verifySimulatorOutput(a, { eventRangeId: '9-9-9' }), { ok: false });
  t.like(verifySimulatorOutput(a, { name: '/os/HITS.1.other' }), { ok: false });
  const flipped = Buffer.from(a);
  flipped[flipped.length - 10]! ^= 1;
  t.like(verifySimulatorOutput(flipped), { ok: false, reason: 'body differs from the one derived from its header' });
  t.like(verifySimulatorOutput(a.subarray(0, a.length - 1)), { ok: false });
  t.like(verifySimulatorOutput(Buffer.from('hello\n')), { ok: false, reason: 'no simulator header line' });
  t.is(simulatorOutputBytes(header('x', 0)).toString().split('\n')[1], '');
});

test('replies are read like AthenaMP: cut at newline, exact stop string, naive field split', (t) => {
  t.deepEqual(readAthenaReply(Buffer.from('No more events')), { kind: 'stop' });
  t.deepEqual(readAthenaReply(Buffer.from('No more events\nanything')), { kind: 'stop' });
  t.like(readAthenaReply(Buffer.from('No more events\0')), { kind: 'bad', why: 'Wrong format' }, 'a trailing NUL breaks the stop check');
  const json = readAthenaReply(Buffer.from(JSON.stringify([{ eventRangeID: '1-2', startEvent: 5, lastEvent: 6, LFN: 'E', GUID: 'G' }])));
  t.like(json, { kind: 'range', range: { eventRangeID: '1-2', startEvent: 5, lastEvent: 6 } });
  const py = readAthenaReply(Buffer.from("[{u'eventRangeID': u'1-2', u'startEvent': 5, u'lastEvent': 6}]"));
  t.like(py, { kind: 'range', range: { eventRangeID: '1-2', startEvent: 5, lastEvent: 6 } });
  t.like(readAthenaReply(Buffer.from('[{"eventRangeID":"1","startEvent":"x","lastEvent":2}]')), { kind: 'bad', why: 'Wrong values of range fields' });
  t.like(readAthenaReply(Buffer.from('[{"eventRangeID":"1","LFN":"a,b","startEvent":1,"lastEvent":1}]')), { kind: 'bad', why: 'Wrong format' });
});

test('bad simulator arguments name the flag', (t) => {
  t.throws(() => configFrom(['--outputFile=X'], '/w'), { message: /exactly one of --channel/ });
  t.throws(() => configFrom(['--channel=a', '--outputFile=X', '--workers=zero'], '/w'), { message: /--workers/ });
  t.throws(() => configFrom(['--channel=a', '--outputFile=X', '--bogus'], '/w'), { message: /unknown flag --bogus/ });
  t.throws(() => configFrom(['--channel=a', '--outputFile=X', '--errorRate=2'], '/w'), { message: /--errorRate/ });
  t.throws(() => configFrom(['--channel=a/b', '--outputFile=X'], '/w'), { message: /--channel/ });
  t.like(configFrom(['--channel', 'c1', '--outputFile', 'X', '--hang', '--seed=3'], '/w'), { endpoint: 'ipc:///tmp/zmq_c1', hang: 0, seed: 3, workers: 1 });
  t.like(configFrom(['--endpoint=tcp://127.0.0.1:5555', '--outputFile=X', '--crashAfter=2'], '/w'), { endpoint: 'tcp://127.0.0.1:5555', crashAfter: 2 });
});

test('the athenamp simulator script exits 2 on bad arguments', async (t) => {
  const e = await t.throwsAsync(execp(process.execPath, [join(SIM, 'athenamp-simulator.js'), '--workers=2']));
  t.is((e as unknown as { code: number }).code, 2);
});

test('merge-simulator: verifies every input against its name, merges deterministically, refuses a corrupt input', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const ids = ['7-1-1-2-3', '7-1-1-1-3', '7-1-1-3-3'];
  const paths = [];
  for (const [i, id] of ids.entries()) {
    const p = join(dir.path, `HITS.1.${id}`);
    await writeFile(p, simulatorOutputBytes({ ...header(id, 300), startEvent: 10 - i, lastEvent: 10 - i }));
    paths.push(p);
    t.true((await verifySimulatorOutputFile(p)).ok);
  }
  const merge = (inputs: string[], out: string, cwd = dir.path) => execp(process.execPath, [join(SIM, 'merge-simulator.js'), `--inputFile=${inputs.join(',')}`, `--outputFile=${out}`], { cwd });
  await mkdir(join(dir.path, 'again'));
  await merge(paths, 'M1');
  await merge([...paths].reverse(), 'M1', join(dir.path, 'again'));
  const m1 = await readFile(join(dir.path, 'M1'));
  t.true(m1.equals(await readFile(join(dir.path, 'again', 'M1'))), 'input order does not matter');
  const v = verifyMergedOutput(m1);
  t.true(v.ok);
  if (v.ok) t.deepEqual(v.header.ranges.map((r) => r.eventRangeID), ['7-1-1-3-3', '7-1-1-1-3', '7-1-1-2-3']);

  // A file whose content belongs to another range (renamed object) is refused.
  await writeFile(join(dir.path, 'HITS.1.7-1-1-9-3'), await readFile(paths[0]!));
  const e = await t.throwsAsync(merge([paths[1]!, join(dir.path, 'HITS.1.7-1-1-9-3')], 'M3'));
  t.is((e as unknown as { code: number }).code, 65);
  t.regex((e as unknown as { stderr: string }).stderr, /HITS\.1\.7-1-1-9-3 is corrupt/);
  const e2 = await t.throwsAsync(merge([join(dir.path, 'missing')], 'M4'));
  t.is((e2 as unknown as { code: number }).code, 65);
});

test('merge-simulator: reads its inputs from an @file list (pilot3 writeToFile form) and from repeated values; a missing list file is a usage error', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const ids = ['8-1-1-1-3', '8-1-1-2-3'];
  const paths = [];
  for (const [i, id] of ids.entries()) {
    const p = join(dir.path, `in dir ${i}`, `HITS.1.${id}`);
    await mkdir(join(dir.path, `in dir ${i}`));
    await writeFile(p, simulatorOutputBytes({ ...header(id, 100), startEvent: i + 1, lastEvent: i + 1 }));
    paths.push(p);
  }
  const run = (args: string[], cwd = dir.path) => execp(process.execPath, [join(SIM, 'merge-simulator.js'), ...args], { cwd });
  await writeFile(join(dir.path, 'inputFor_M.txt'), `--inputFile\n${paths.join('\n')}\n`);
  await run(['@inputFor_M.txt', '--outputFile=M']);
  await mkdir(join(dir.path, 'args'));
  await run(['--inputFile', ...paths, '--outputFile=M'], join(dir.path, 'args'));
  const m = await readFile(join(dir.path, 'M'));
  t.true(m.equals(await readFile(join(dir.path, 'args', 'M'))), 'the list file and the arguments give the same merge');
  const v = verifyMergedOutput(m);
  t.true(v.ok && v.header.ranges.length === 2, JSON.stringify(v));
  const e = await t.throwsAsync(run(['@nowhere.txt', '--outputFile=X']));
  t.is((e as unknown as { code: number }).code, 2);
  t.regex((e as unknown as { stderr: string }).stderr, /cannot read the argument file nowhere\.txt/);
});
