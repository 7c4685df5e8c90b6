import test from 'ava';
import { ConfigError, ErrorCodes, parseEventRanges } from '../../../core/index.js';

const good = { eventRangeID: '8848710-3005316503-6391858827-3-10', LFN: 'EVNT.06402143._012906.pool.root.1', lastEvent: 3, startEvent: '3', scope: 'mc15_13TeV', GUID: '63A015D3-789D-E74D-BAA9-9F95DB068EE9', extra: { a: 1 } };

test('ranges become frozen objects that keep every wire key as sent', (t) => {
  const [r] = parseEventRanges([good]);
  t.is(r!.id, good.eventRangeID);
  t.is(r!.startEvent, 3);
  t.is(r!.lastEvent, 3);
  t.is(r!.lfn, good.LFN);
  t.is(r!.guid, good.GUID);
  t.is(r!.scope, 'mc15_13TeV');
  t.deepEqual(Object.keys(r!.wire), Object.keys(good));
  t.is(r!.wire['startEvent'], '3', 'wire values stay as the server sent them');
  t.is(r!.wire['extra'], '{"a":1}');
  t.true(Object.isFrozen(r) && Object.isFrozen(r!.wire));
  t.deepEqual(parseEventRanges([]), []);
});

test('bad entries are rejected naming the index and the field', (t) => {
  const bad = [good, { ...good, eventRangeID: '1-2-3-4-2', LFN: '' }, { ...good, eventRangeID: '1-2-3-4-3', startEvent: 5, lastEvent: 4 }, { eventRangeID: '1-2-3-4-4' }, 'text', { ...good }];
  const err = t.throws(() => parseEventRanges(bad, 'getEventRanges.eventRanges'), { instanceOf: ConfigError });
  t.is(err.code, ErrorCodes.CONVERSIONFAILURE);
  const paths = err.issues.map((i) => i.path);
  t.deepEqual(paths, [
    'getEventRanges.eventRanges[1].LFN',
    'getEventRanges.eventRanges[2].lastEvent',
    'getEventRanges.eventRanges[3].startEvent', 'getEventRanges.eventRanges[3].lastEvent',
    'getEventRanges.eventRanges[3].LFN', 'getEventRanges.eventRanges[3].GUID',
    'getEventRanges.eventRanges[4]',
    'getEventRanges.eventRanges[5].eventRangeID',
  ]);
  t.regex(err.message, /eventRanges\[1\]\.LFN: expected a non-empty string, got ""/);
  t.regex(err.message, /eventRanges\[5\]\.eventRangeID: expected an ID not repeated/);
  t.throws(() => parseEventRanges({ a: 1 }), { message: /eventRanges: expected a list of event ranges, got an object/ });
});

test('hostile names and numbers from the server are refused, naming the field; the found value escaped and cut', (t) => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ startEvent: 1e300 }, 'startEvent', /expected an integer from 0 to 2\^53 − 1, got number 1e\+300/],
    [{ lastEvent: '1e300' }, 'lastEvent', /got "1e300"/],
    [{ eventRangeID: '1-2-3-4/../5' }, 'eventRangeID', /expected an event range ID <jediTaskID>-<PandaID>-<fileID>-<job_processID>-<attemptNr>/],
    [{ eventRangeID: '../../x' }, 'eventRangeID', /got "\.\.\/\.\.\/x"/],
    [{ LFN: '../../../../tmp/x' }, 'LFN', /expected a file name .*got "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x"/],
    [{ LFN: `EVNT\u0000${'x'.repeat(300)}` }, 'LFN', /got "EVNT\\u0000x+\.\.\."/],
    [{ GUID: 'G' }, 'GUID', /expected a GUID/],
    [{ scope: '..' }, 'scope', /expected a Rucio scope/],
    [{ PFN: 'a\u0000b' }, 'PFN', /without NUL/],
  ];
  for (const [change, field, message] of cases) {
    const err = t.throws(() => parseEventRanges([{ ...good, ...change }], 'getEventRanges.eventRanges'), { instanceOf: ConfigError });
    t.is(err.code, ErrorCodes.CONVERSIONFAILURE);
    t.deepEqual(err.issues.map((i) => i.path), [`getEventRanges.eventRanges[0].${field}`], field);
    t.regex(err.message, message);
    t.true(err.message.length < 400, 'the message stays bounded');
  }
});
