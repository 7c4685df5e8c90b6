import test from 'ava';
import { ConfigError, ErrorCodes, parseJobDefinition } from '../../../core/index.js';

/** A job as the 2015 server sends it in a form reply: all strings, parallel comma lists. */
const esJob: Record<string, string> = {
  StatusCode: '0', PandaID: '3005316503', jobsetID: '3005316500', taskID: '8848710', prodSourceLabel: 'managed',
  transformation: 'Sim_tf.py', jobPars: '--inputEVNTFile=EVNT.01 --outputHITSFile=HITS.01 --eventService=True',
  swRelease: 'Atlas-19.2.3', homepackage: 'AtlasProduction/19.2.3.3', cmtConfig: 'x86_64-slc6-gcc47-opt',
  attemptNr: '2', coreCount: '8', maxCpuCount: '4000', minRamCount: 'NULL', eventService: 'True',
  inFiles: 'EVNT.01,EVNT.02', GUID: '63A015D3-789D-E74D-BAA9-9F95DB068EE1,63A015D3-789D-E74D-BAA9-9F95DB068EE2', fsize: '100,200', checksum: 'ad:0a0b0c0d,md5:00112233445566778899aabbccddeeff',
  scopeIn: 'mc15,mc15', realDatasetsIn: 'ds.in,ds.in', prodDBlockToken: 'NULL,NULL', ddmEndPointIn: 'CERN_DATADISK,CERN_DATADISK',
  outFiles: 'HITS.01,log.01.tgz', realDatasets: 'ds.hits,ds.log', scopeOut: 'mc15', scopeLog: 'mc15_log',
  destinationDBlockToken: 'ATLASDATADISK,ATLASDATADISK', logFile: 'log.01.tgz', logGUID: '63A015D3-789D-E74D-BAA9-9F95DB068E00', userProxy: 'NULL',
};

test('a full ES job definition becomes a frozen typed object', (t) => {
  const job = parseJobDefinition(esJob);
  t.is(job.pandaId, '3005316503');
  t.is(job.jobsetId, '3005316500');
  t.is(job.taskId, '8848710');
  t.is(job.jobParameters, esJob['jobPars']);
  t.is(job.homePackage, 'AtlasProduction/19.2.3.3');
  t.is(job.attemptNr, 2);
  t.is(job.coreCount, 8);
  t.is(job.maxCpuCount, 4000);
  t.is(job.minRamCount, undefined);
  t.true(job.eventService);
  t.false(job.eventServiceMerge);
  t.deepEqual(job.inputFiles, [
    { lfn: 'EVNT.01', guid: '63A015D3-789D-E74D-BAA9-9F95DB068EE1', size: 100, checksum: { type: 'adler32', value: '0a0b0c0d' }, scope: 'mc15', dataset: 'ds.in', ddmEndpoint: 'CERN_DATADISK' },
    { lfn: 'EVNT.02', guid: '63A015D3-789D-E74D-BAA9-9F95DB068EE2', size: 200, checksum: { type: 'md5', value: '00112233445566778899aabbccddeeff' }, scope: 'mc15', dataset: 'ds.in', ddmEndpoint: 'CERN_DATADISK' },
  ]);
  t.deepEqual(job.outputFiles, [{ lfn: 'HITS.01', scope: 'mc15', dataset: 'ds.hits', storageToken: 'ATLASDATADISK' }]);
  t.deepEqual(job.logFile, { lfn: 'log.01.tgz', guid: '63A015D3-789D-E74D-BAA9-9F95DB068E00', scope: 'mc15_log', dataset: 'ds.log', storageToken: 'ATLASDATADISK' });
  t.is(job.userProxy, undefined);
  t.deepEqual(job.writeToFile, []);
  t.true(Object.isFrozen(job) && Object.isFrozen(job.inputFiles) && Object.isFrozen(job.inputFiles[0]));
});

test('a merge job: writeToFile lists, NULL coreCount means 1, JSON numbers accepted', (t) => {
  const job = parseJobDefinition({
    PandaID: 77, prodSourceLabel: 'managed', transformation: 'node', jobPars: 'merge --inputFile=@inputFor_HITS.01',
    coreCount: 'NULL', eventServiceMerge: 'True', inFiles: 'HITS.01.r1,HITS.01.r2', GUID: 'NULL,NULL',
    writeToFile: 'inputFor_HITS.01:HITS.01.r1,HITS.01.r2^inputFor_LOG:log.1', outFiles: 'HITS.01,log.m', logFile: 'log.m',
  });
  t.is(job.pandaId, '77');
  t.is(job.coreCount, 1);
  t.true(job.eventServiceMerge);
  t.deepEqual(job.writeToFile, [{ name: 'HITS.01', inputs: ['HITS.01.r1', 'HITS.01.r2'] }, { name: 'LOG', inputs: ['log.1'] }]);
  t.deepEqual(job.inputFiles.map((f) => f.guid), [undefined, undefined]);
});

test('a missing PandaID is an error naming the field', (t) => {
  const { PandaID: _omit, ...rest } = esJob;
  const err = t.throws(() => parseJobDefinition(rest), { instanceOf: ConfigError });
  t.is(err.code, ErrorCodes.CONVERSIONFAILURE);
  t.regex(err.message, /job\.PandaID: expected a numeric PandaID, got nothing/);
});

test('a parallel list of the wrong length is NOTSAMELENGTH naming the list', (t) => {
  const err = t.throws(() => parseJobDefinition({ ...esJob, fsize: '100,200,300' }), { instanceOf: ConfigError });
  t.is(err.code, ErrorCodes.NOTSAMELENGTH);
  t.regex(err.message, /job\.fsize: expected 2 comma-separated entries \(one per inFiles entry\), got 3/);
});

test('bad entries and fields are all reported, each naming the field and what was expected', (t) => {
  const err = t.throws(() => parseJobDefinition({
    ...esJob, fsize: '100,x', checksum: 'ad:0a0b0c0d,zz:12', coreCount: 'four', eventService: 'maybe', writeToFile: 'no-colon', transformation: '',
  }), { instanceOf: ConfigError });
  t.is(err.code, ErrorCodes.CONVERSIONFAILURE);
  for (const text of [
    'job.fsize[1]: expected an integer from 0 to 2^53 − 1, got "x"',
    'job.checksum[1]: expected ad:<adler32 hex> or md5:<md5 hex>, got "zz:12"',
    'job.coreCount: expected an integer from 0 to 9007199254740991, got "four"',
    'job.eventService: expected True or False, got "maybe"',
    'job.writeToFile[0]: expected inputFor_<name>:<lfn>[,<lfn>...], got "no-colon"',
    'job.transformation: expected the payload transformation, got nothing',
  ]) t.true(err.message.includes(text), `${text}\n in ${err.message}`);
});

test('scopeOut with an entry for the log is accepted too; a log outside outFiles still counts', (t) => {
  const job = parseJobDefinition({ ...esJob, scopeOut: 'mc15,mc15_x' });
  t.is(job.logFile?.scope, 'mc15_log', 'scopeLog wins for the log');
  t.is(job.outputFiles[0]!.scope, 'mc15');
  const other = parseJobDefinition({ ...esJob, outFiles: 'HITS.01', realDatasets: 'ds.hits', scopeOut: 'mc15', destinationDBlockToken: 'X' });
  t.is(other.logFile?.lfn, 'log.01.tgz');
  t.is(other.outputFiles.length, 1);
});

test('every server name and number is held to the rules; a bad job keeps its PandaID so it can be failed', (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ inFiles: '../../../planted/evil.sh,EVNT.02' }, 'job.inFiles[0]'],
    [{ outFiles: '../../../outside/secret.txt,log.01.tgz' }, 'job.outFiles[0]'],
    [{ outFiles: 'HITS.01,../log.tgz', logFile: '../log.tgz' }, 'job.logFile'],
    [{ GUID: '63A015D3-789D-E74D-BAA9-9F95DB068EE1,not-a-guid' }, 'job.GUID[1]'],
    [{ logGUID: 'LOG-GUID' }, 'job.logGUID'],
    [{ scopeIn: 'mc15,..' }, 'job.scopeIn[1]'],
    [{ scopeOut: '../x' }, 'job.scopeOut[0]'],
    [{ scopeLog: 'a/b' }, 'job.scopeLog'],
    [{ realDatasetsIn: 'ds.in,../ds' }, 'job.realDatasetsIn[1]'],
    [{ realDatasets: 'ds/../x,ds.log' }, 'job.realDatasets[0]'],
    [{ fsize: '100,1e300' }, 'job.fsize[1]'],
    [{ fsize: `100,${'9'.repeat(20)}` }, 'job.fsize[1]'],
    [{ attemptNr: '1'.repeat(300) }, 'job.attemptNr'],
    [{ jobsetID: '../1' }, 'job.jobsetID'],
    [{ taskID: '1e5' }, 'job.taskID'],
    [{ writeToFile: 'inputFor_HITS.01:../a,b' }, 'job.writeToFile[0][0]'],
    [{ writeToFile: 'inputFor_../HITS:a' }, 'job.writeToFile[0]'],
  ];
  for (const [change, path] of cases) {
    const err = t.throws(() => parseJobDefinition({ ...esJob, ...change }), { instanceOf: ConfigError }, path);
    t.is(err.code, ErrorCodes.CONVERSIONFAILURE, path);
    t.true(err.issues.some((i) => i.path === path), `${path} in ${err.message}`);
    t.is((err as unknown as { pandaId?: string }).pandaId, '3005316503', 'the job can be reported failed');
  }
  const huge = t.throws(() => parseJobDefinition({ ...esJob, attemptNr: 1e300 as unknown as string }), { instanceOf: ConfigError });
  t.regex(huge.message, /job\.attemptNr: expected an integer from 0 to 9007199254740991, got number 1e\+300/);
  const badId = t.throws(() => parseJobDefinition({ ...esJob, PandaID: '12/../3' }), { instanceOf: ConfigError });
  t.regex(badId.message, /job\.PandaID: expected a positive decimal integer/);
  t.is((badId as unknown as { pandaId?: string }).pandaId, undefined, 'an unreadable PandaID is not used to report');
});
