import test from 'ava';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, Experiment, PayloadLauncher, PilotError, renderPayloadCommand, type Experiment as Exp, type PayloadLauncher as Launcher,
} from '../../../core/index.js';
import { experimentConformance } from '../../conformance/experiment.conformance.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { esJob, mergeJob, queue, sampleJob } from '../../helpers/sample-jobs.js';
import { tempDir } from '../../helpers/temp-dir.js';

let run: TestRun;
let exp: Exp;
let dir: { path: string; remove(): Promise<void> };
test.before(async () => {
  run = await makeRun();
  exp = run.resolver.get<Exp>(Experiment, 'generic');
  dir = await tempDir('espilot-generic-');
});
test.after.always(async () => {
  await run.dispose();
  await dir.remove();
});

test('RunJob choice: ES → event, ES on an HPC queue → hpc-event, merge and ordinary → normal', (t) => {
  t.is(exp.runJobFor(esJob(), queue()), 'event');
  t.is(exp.runJobFor(esJob(), queue({ catchall: 'HPC_titan' })), 'hpc-event');
  t.is(exp.runJobFor(mergeJob(), queue()), 'normal');
  t.is(exp.runJobFor(mergeJob(), queue({ catchall: 'hpc' })), 'normal');
  t.is(exp.runJobFor(sampleJob(), queue({ catchall: 'hpc' })), 'normal');
});

test('ES command: export prefix only when the command refers to PILOT_EVENTRANGECHANNEL; channel also in env', async (t) => {
  const ctx = { workdir: dir.path, queue: queue(), channelName: 'EventService_EventRanges-abc' };
  const refers = await exp.payloadCommand(esJob({ transformation: 'node', jobParameters: 'sim.js --channel=$PILOT_EVENTRANGECHANNEL' }), ctx);
  t.is(refers.command, 'export PILOT_EVENTRANGECHANNEL="EventService_EventRanges-abc"; node sim.js --channel=$PILOT_EVENTRANGECHANNEL');
  t.deepEqual(refers.env, { PILOT_EVENTRANGECHANNEL: 'EventService_EventRanges-abc' });
  const plain = await exp.payloadCommand(esJob({ transformation: 'node', jobParameters: 'sim.js' }), ctx);
  t.is(plain.command, 'node sim.js');
  const nonEs = await exp.payloadCommand(sampleJob({ jobParameters: 'x' }), ctx);
  t.deepEqual(nonEs.env, {});
  const err = await t.throwsAsync(exp.payloadCommand(esJob(), { workdir: dir.path, queue: queue() }), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.ESMESSAGESERVER);
});

test('the injected channel survives a real shell, even with characters that need escaping', async (t) => {
  const launcher = run.resolver.get<Launcher>(PayloadLauncher, 'direct');
  const channel = 'odd"$name`x\\';
  const pc = await exp.payloadCommand(esJob({ transformation: 'printf', jobParameters: '%s "$PILOT_EVENTRANGECHANNEL"' }), { workdir: dir.path, queue: queue(), channelName: channel });
  const out = join(dir.path, 'chan.out');
  const p = await launcher.launch({ command: pc.command, cwd: dir.path, env: {}, stdoutPath: out, stderrPath: out });
  t.is((await p.exit).code, 0);
  t.is(await readFile(out, 'utf8'), channel);
});

test('merge: --opt=@inputFor_<name> becomes @inputFor_<name>.txt holding --opt and one local path per line (pilot3)', async (t) => {
  const work = join(dir.path, 'opt');
  await mkdir(work);
  const job = mergeJob();
  const paths = new Map(job.writeToFile[0]!.inputs.map((lfn) => [lfn, `/data/in d/${lfn}`]));
  const pc = await exp.payloadCommand(job, { workdir: work, queue: queue(), inputPaths: paths });
  t.is(pc.command, 'run-payload @inputFor_HITS.01._000001.pool.root.1.txt --outputFile=HITS.01._000001.pool.root.1');
  // Paths with spaces are lines of the file, never shell words.
  t.is(await readFile(join(work, 'inputFor_HITS.01._000001.pool.root.1.txt'), 'utf8'), `--inputFile\n${[...paths.values()].map((p) => `${p}\n`).join('')}`);
});

test('merge: a placeholder is replaced only as a whole name, and <name>.txt references get a list file', async (t) => {
  const work = join(dir.path, 'txt');
  await mkdir(work);
  const job = sampleJob({
    eventServiceMerge: true,
    writeToFile: [{ name: 'A', inputs: ['a1', 'a2'] }, { name: 'A1', inputs: ['b1'] }, { name: 'B', inputs: ['c1'] }],
    jobParameters: '--x=@inputFor_A1 --y=@inputFor_A.txt @inputFor_B',
  });
  const pc = await exp.payloadCommand(job, { workdir: work, queue: queue() });
  t.is(pc.command, 'run-payload @inputFor_A1.txt --y=@inputFor_A.txt @inputFor_B.txt');
  t.is(await readFile(join(work, 'inputFor_A.txt'), 'utf8'), `${work}/a1\n${work}/a2\n`);
  t.is(await readFile(join(work, 'inputFor_A1.txt'), 'utf8'), `--x\n${work}/b1\n`);
  t.is(await readFile(join(work, 'inputFor_B.txt'), 'utf8'), `${work}/c1\n`);
  t.deepEqual((await readdir(work)).sort(), ['inputFor_A.txt', 'inputFor_A1.txt', 'inputFor_B.txt']);
});

test('merge: an input that was not staged in is MISSINGINPUTFILE (1331) naming it', async (t) => {
  const job = mergeJob();
  const err = await t.throwsAsync(exp.payloadCommand(job, { workdir: dir.path, queue: queue(), inputPaths: new Map() }), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.MISSINGINPUTFILE);
  t.regex(err!.message, /HITS\.01\._000001\.pool\.root\.1\.1-2-3-4-1.*inputFor_HITS/);
});

test('job report: fields read; absent, malformed and ill-typed reports give undefined without throwing', async (t) => {
  const w = async (name: string, body: string) => {
    const d = join(dir.path, name);
    await mkdir(d);
    await writeFile(join(d, 'jobReport.json'), body);
    return d;
  };
  t.deepEqual(await exp.parseJobReport(await w('ok', JSON.stringify({ exitCode: 65, exitAcronym: 'TRF_EXEC_FAIL', exitMsg: 'boom', nEvents: 7 }))),
    { exitCode: 65, exitAcronym: 'TRF_EXEC_FAIL', exitMessage: 'boom', nEvents: 7 });
  t.deepEqual(await exp.parseJobReport(await w('atlas', JSON.stringify({ exitCode: 0, resource: { executor: { EVNTtoHITS: { nevents: 50 }, HITSMerge: { nevents: 'x' } } } }))),
    { exitCode: 0, nEvents: 50 });
  t.is(await exp.parseJobReport(join(dir.path, 'none')), undefined);
  t.is(await exp.parseJobReport(await w('bad', '{"exitCode": ')), undefined);
  t.is(await exp.parseJobReport(await w('typed', '{"exitCode": "0"}')), undefined);
  t.is(await exp.parseJobReport(await w('array', '[1]')), undefined);
  t.true(run.lines.some((l) => /exitCode is "0", expected an integer/.test(l)));
});

test('payload errors map to the reference codes: TE fatal variants, other FATAL → fatal 1228, the rest failed 1220', (t) => {
  const c = (a: string, d = '') => exp.classifyPayloadError(a, d);
  t.deepEqual(c('ERR_TE_FATAL', 'URL Error: bad'), { code: 1230, status: 'fatal' });
  t.deepEqual(c('ERR_TE_FATAL', 'Could not resolve host name x'), { code: 1233, status: 'fatal' });
  t.deepEqual(c('ERR_TE_FATAL', 'Invalid GUID length'), { code: 1231, status: 'fatal' });
  t.deepEqual(c('ERR_TE_FATAL', 'No tokens for GUID ABC'), { code: 1232, status: 'fatal' });
  t.deepEqual(c('ERR_TE_FATAL', 'something else'), { code: 1229, status: 'fatal' });
  t.deepEqual(c('ERR_FATAL_STUCK_SENDING'), { code: 1228, status: 'fatal' });
  t.deepEqual(c('ERR_ATHENAMP_PROCESS', 'Failed to process event range'), { code: 1220, status: 'failed' });
  t.deepEqual(c('TE_RANGE'), { code: 1220, status: 'failed' });
});

test('ES output naming and cleanup of core dumps', async (t) => {
  t.is(exp.esOutputName('HITS.01._000001.pool.root.1', '1-2-3-4-1'), 'HITS.01._000001.pool.root.1.1-2-3-4-1');
  const d = join(dir.path, 'clean');
  await mkdir(d);
  for (const f of ['core', 'core.123', 'core.txt', 'HITS.root']) await writeFile(join(d, f), 'x');
  await exp.cleanup(d);
  t.deepEqual((await readdir(d)).sort(), ['HITS.root', 'core.txt']);
});

test('renderPayloadCommand shows the environment additions and the command', async (t) => {
  const r = await renderPayloadCommand(exp, esJob({ transformation: 'node', jobParameters: 'sim.js --channel=$PILOT_EVENTRANGECHANNEL' }), { workdir: dir.path, queue: queue(), channelName: 'chan 1' });
  t.is(r.text, `PILOT_EVENTRANGECHANNEL='chan 1'\nexport PILOT_EVENTRANGECHANNEL="chan 1"; node sim.js --channel=$PILOT_EVENTRANGECHANNEL`);
});

experimentConformance(test, 'generic', async () => {
  const r = await makeRun();
  return { run: r, experiment: r.resolver.get<Exp>(Experiment, 'generic'), teardown: () => r.dispose() };
});
