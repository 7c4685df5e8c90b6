import test from 'ava';
import {
  ConfigError, FieldReader, FieldRecorder, closestName, editDistance, formatIssue, mergeSettings, recordReads, settingsFrom, unreadKeyIssues,
  type ConfigIssue,
} from '../../../core/index.js';

test('closest name: a swap or a missing letter is one edit; far names get no guess', (t) => {
  t.is(editDistance('expermient', 'experiment'), 1);
  t.is(editDistance('maxSocket', 'maxSockets'), 1);
  t.is(closestName('expermient', ['experiment', 'plugins', 'launcher']), 'experiment');
  t.is(closestName('MAXSOCKETS', ['maxSockets', 'maxAttempts']), 'maxSockets');
  t.is(closestName('colour', ['experiment', 'plugins']), undefined);
});

test('a typo in the site file is an error naming its full path and the key meant', (t) => {
  const e = t.throws(() => mergeSettings([{ source: 'site:s.json', pilot: { expermient: 'atlas', eventService: { stageOutConcurency: 2 }, server: { retries: 2 } } }]), { instanceOf: ConfigError });
  t.deepEqual(e!.issues.map(formatIssue).sort(), [
    'config.eventService.stageOutConcurency: unknown key (did you mean "stageOutConcurrency"?)',
    'config.expermient: unknown key (did you mean "experiment"?)',
  ]);
  t.is(e!.issues[0]!.expected, 'a known key');
});

test('"//" comment keys are accepted at any level; pluginOptions sections are left to their plugins', (t) => {
  const s = mergeSettings([{ source: 'site', pilot: { '//': 'a comment', eventService: { '//': 'another' }, pluginOptions: { 'some-plugin': { anything: 1 } } } }]);
  t.deepEqual(s.pilot.pluginOptions, { 'some-plugin': { anything: 1 } });
});

test('queuedata is CRIC\'s format: fields the pilot does not read are accepted, at the top and inside endpoints', (t) => {
  const s = mergeSettings([{ source: 'queuedata:q.json', queuedata: {
    nickname: 'CERN-PROD', cloud: 'CERN', maxrss: 4000, pilot_manager: 'Harvester',
    ddmendpoints: { OS: { endpoint: 's3://os:443', path: '//b', rse_type: 'DISK', token: 'ATLASDATADISK' } },
  } }]);
  t.is(s.queue.name, 'CERN-PROD');
  t.is(s.queue.storages['OS']?.url, 's3://os:443//b');
});

test('settingsFrom collects every problem, bad values and unknown keys of both trees, and still returns settings', (t) => {
  const issues: ConfigIssue[] = [];
  const s = settingsFrom([{ source: 'site', pilot: { heartbeatS: 'often', logging: { levle: 'debug' } }, queuedata: { objectstore: 'root://host/', stageinretry: 99 } }], issues);
  t.deepEqual(issues.map((i) => i.path).sort(), ['config.heartbeatS', 'config.logging.levle', 'queuedata.objectstore', 'queuedata.stageinretry']);
  t.is(s.pilot.heartbeatS, 1800, 'a bad value takes its default');
  t.is(s.queue.objectstore, undefined);
});

test('unread keys: free-form values (raw) and maps (keys()) accept their contents; nested sections are checked', (t) => {
  const parse = (raw: unknown) => {
    const r = FieldReader.of('', raw, []);
    r.string('name');
    r.raw('env');
    const aliases = r.object('aliases');
    for (const k of aliases.keys()) aliases.object(k).string('target');
    r.object('timeout').number('baseS', {}, 1);
  };
  const rec = new FieldRecorder();
  const doc = recordReads({
    name: 'x', env: { ANY: '1', nested: { deep: true } }, aliases: { a: { target: 'b', targte: 'c' }, free: { target: 'd' } },
    timeout: { bases: 3 }, nmae: 'y',
  }, rec);
  parse(doc);
  t.deepEqual(unreadKeyIssues(doc, '', rec).map(formatIssue).sort(), [
    'aliases.a.targte: unknown key (did you mean "target"?)',
    'nmae: unknown key (did you mean "name"?)',
    'timeout.bases: unknown key (did you mean "baseS"?)',
  ]);
});

test('unread keys: a parser that does not read through FieldReader is not judged', (t) => {
  const rec = new FieldRecorder();
  const doc = recordReads({ whatever: 1 }, rec);
  JSON.stringify(doc);
  t.deepEqual(unreadKeyIssues(doc, '', rec), []);
});

test('unread keys: with no close key the known ones are listed', (t) => {
  const rec = new FieldRecorder();
  const doc = recordReads({ colour: 'red' }, rec);
  const r = FieldReader.of('cfg', doc, []);
  r.string('size');
  r.int('count', {});
  t.deepEqual(unreadKeyIssues(doc, 'cfg', rec).map(formatIssue), ['cfg.colour: unknown key (known keys: count, size)']);
});

test('eventService.zipOutputs: off by default, its limits read, and refused with a ps-2015 server (no zipFile in updateEventRange)', (t) => {
  t.deepEqual(mergeSettings([{ source: 'site', pilot: {} }]).pilot.eventService.zipOutputs, { enabled: false, maxRanges: 100, maxBytes: 1024 * 1024 * 1024, maxWaitS: 600 });
  const on = mergeSettings([{ source: 'site', pilot: { eventService: { zipOutputs: { enabled: true, maxRanges: 8, maxWaitS: 5 } } } }]).pilot.eventService.zipOutputs;
  t.like(on, { enabled: true, maxRanges: 8, maxWaitS: 5 });
  const e = t.throws(() => mergeSettings([{ source: 'site', pilot: { server: { profile: 'ps-2015' }, eventService: { zipOutputs: { enabled: true, maxRange: 8 } } } }]), { instanceOf: ConfigError });
  t.deepEqual(e!.issues.map(formatIssue).sort(), [
    'config.eventService.zipOutputs.enabled: expected false with server.profile ps-2015 (its updateEventRange cannot name a zip), got boolean true',
    'config.eventService.zipOutputs.maxRange: unknown key (did you mean "maxRanges"?)',
  ]);
});
