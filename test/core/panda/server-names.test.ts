import test from 'ava';
import { isServerName, safeCount } from '../../../core/index.js';

test('an LFN is one Rucio file name: no /, no .., no NUL, no leading - or ., at most 250 characters', (t) => {
  for (const ok of ['EVNT.06402143._012906.pool.root.1', 'log.12164365._000300.job.log.tgz.1', 'HITS.1.pool.root.1.8848710-3005316503-6391858827-3-10', 'a', 'x'.repeat(250), 'A..B']) {
    t.true(isServerName('lfn', ok), ok);
  }
  for (const bad of ['../../../outside/secret.txt', '../x', '..', '.', '.hidden', '-rf', 'a/b', '/etc/passwd', 'a\0b', 'a b', 'a\nb', 'x'.repeat(251), '', 'é', 'a:b', 'a\\b']) {
    t.false(isServerName('lfn', bad), JSON.stringify(bad));
  }
});

test('scopes follow Rucio (25 characters), never . or .. like', (t) => {
  for (const ok of ['mc15_13TeV', 'user.jdoe', 'group.phys-higgs', 'panda', 'x'.repeat(25)]) t.true(isServerName('scope', ok), ok);
  for (const bad of ['.', '..', '../x', 'a/b', '.user', 'a..b', 'x'.repeat(26), 'a b', '']) t.false(isServerName('scope', bad), bad);
});

test('datasets: [scope:]name, "/" allowed for containers, never a .. component', (t) => {
  for (const ok of ['mc15_13TeV.123.simul.HITS.e1_s2_tid12_00', 'user.jdoe:user.jdoe.test/', 'ds.in']) t.true(isServerName('dataset', ok), ok);
  for (const bad of ['../x', 'a/../b', 'bad scope:x', '..:x', 'a\0', '-x', 'x'.repeat(251)]) t.false(isServerName('dataset', bad), bad);
});

test('GUIDs are UUIDs; range IDs are the five numbers the server builds; IDs are safe positive integers', (t) => {
  t.true(isServerName('guid', '63A015D3-789D-E74D-BAA9-9F95DB068EE9'));
  t.true(isServerName('guid', '{63a015d3789de74dbaa99f95db068ee9}'));
  for (const bad of ['G1', 'LOG-GUID', '63A015D3-789D-E74D-BAA9-9F95DB068EE', '../63A015D3-789D-E74D-BAA9-9F95DB068EE9']) t.false(isServerName('guid', bad), bad);
  t.true(isServerName('eventRangeId', '8848710-3005316503-6391858827-3-10'));
  for (const bad of ['1-2-3-4', '1-2-3-4-5-6', '1-2-3-4-../x', '1/2-3-4-5-6', '1-2-3-4-5/', 'x-2', '1-2-3-4-5\0']) t.false(isServerName('eventRangeId', bad), bad);
  t.true(isServerName('id', '3005316503'));
  for (const bad of ['0', '-1', '1e3', '9007199254740992', '12345678901234567', ' 1', '1.0', '0x10']) t.false(isServerName('id', bad), bad);
});

test('counts are safe integers: 1e300 is an integer to JavaScript but refused', (t) => {
  t.is(safeCount(3), 3);
  t.is(safeCount(' 7 '), 7);
  t.is(safeCount(0), 0);
  for (const bad of [1e300, '1e300', Number.MAX_SAFE_INTEGER + 1, '9'.repeat(17), -1, 1.5, '1.5', NaN, Infinity, null, undefined, true]) {
    t.is(safeCount(bad), undefined, String(bad));
  }
  t.is(safeCount(0, 1), undefined);
});
