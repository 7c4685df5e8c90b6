import test from 'ava';
import { parsePayloadMessage } from '../../../core/index.js';

test('Ready for events, also inside a longer message (pilot checks containment)', (t) => {
  t.deepEqual(parsePayloadMessage('Ready for events'), { kind: 'ready' });
  t.deepEqual(parsePayloadMessage('worker 3: Ready for events'), { kind: 'ready' });
});

test('current output report: one path, ID, CPU and WALL', (t) => {
  t.deepEqual(parsePayloadMessage('/w/HITS.pool.root.1.12164365-3616045203-10980024041-4138-8,ID:12164365-3616045203-10980024041-4138-8,CPU:288,WALL:303'), {
    kind: 'output', rangeId: '12164365-3616045203-10980024041-4138-8', paths: ['/w/HITS.pool.root.1.12164365-3616045203-10980024041-4138-8'], cpu: 288, wall: 303,
  });
});

test('multi-process form with several paths, and MT N/A values', (t) => {
  t.deepEqual(parsePayloadMessage('/w/a.Range-6,/w/b.Range-6,ID:Range-6,CPU:N/A,WALL:N/A'), {
    kind: 'output', rangeId: 'Range-6', paths: ['/w/a.Range-6', '/w/b.Range-6'],
  });
  t.deepEqual(parsePayloadMessage('/w/a,ID:R-1,cpu:1.5,wall:2'), { kind: 'output', rangeId: 'R-1', paths: ['/w/a'], cpu: 1.5, wall: 2 });
});

test('pilot1 form without ID: the token before CPU is the id', (t) => {
  t.deepEqual(parsePayloadMessage('/w/out.1-2-3-4-5,1-2-3-4-5,CPU:10,WALL:11'), { kind: 'output', rangeId: '1-2-3-4-5', paths: ['/w/out.1-2-3-4-5'], cpu: 10, wall: 11 });
  t.deepEqual(parsePayloadMessage('/w/out,1-2-3'), { kind: 'output', rangeId: '1-2-3', paths: ['/w/out'] });
});

test('ERR_<ACRONYM> <id>: <diag>', (t) => {
  t.deepEqual(parsePayloadMessage('ERR_ATHENAMP_PROCESS 1-2-3-4-5: Failed to process event range'), {
    kind: 'error', acronym: 'ERR_ATHENAMP_PROCESS', rangeId: '1-2-3-4-5', diagnostics: 'Failed to process event range',
  });
  t.deepEqual(parsePayloadMessage('ERR_TE_FATAL Range-1: URL Error: host: x'), { kind: 'error', acronym: 'ERR_TE_FATAL', rangeId: 'Range-1', diagnostics: 'URL Error: host: x' });
});

test('ERR_ATHENAMP_PARSE digs the id out of the range text (JSON and python repr)', (t) => {
  const json = 'ERR_ATHENAMP_PARSE [{"eventRangeID":"7-8-9","startEvent":"x","lastEvent":2}]: Wrong values of range fields';
  t.deepEqual(parsePayloadMessage(json), { kind: 'error', acronym: 'ERR_ATHENAMP_PARSE', rangeId: '7-8-9', diagnostics: 'Wrong values of range fields' });
  const repr = "ERR_ATHENAMP_PARSE \"[{u'eventRangeID': u'1-2-3', u'LFN': u'a,b'}]\": Wrong format";
  t.deepEqual(parsePayloadMessage(repr), { kind: 'error', acronym: 'ERR_ATHENAMP_PARSE', rangeId: '1-2-3', diagnostics: 'Wrong format' });
  t.deepEqual(parsePayloadMessage('ERR_ATHENAMP_PARSE garbage: Wrong format'), { kind: 'error', acronym: 'ERR_ATHENAMP_PARSE', diagnostics: 'Wrong format' });
});

test('an ERR_ without a range id is still an error, with no id', (t) => {
  t.deepEqual(parsePayloadMessage('ERR_TE_FATAL something broke'), { kind: 'error', acronym: 'ERR_TE_FATAL', diagnostics: 'something broke' });
});

test('anything else is invalid and parsing never throws', (t) => {
  for (const text of ['', 'hello', ',,,', 'ID:', '/w/a,ID:bad id,CPU:1', '/w/a,ID:x,CPU', 'ERR_', 'ERR_lower 1: x', '\u0000\u0001', 'a\nb,ID:1']) {
    const m = parsePayloadMessage(text);
    t.is(m.kind, 'invalid', text);
  }
  const random = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(...Array.from({ length: i % 40 }, (_, k) => (i * 31 + k * 17) % 128)));
  for (const s of random) t.notThrows(() => parsePayloadMessage(s));
});
