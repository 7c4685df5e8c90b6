import test from 'ava';
import { PilotError } from '../../../core/index.js';
import { parseRootUrl } from '../../../plugins/mover-xrootd-objectstore/index.js';

test('server and absolute path, with one or two slashes after the authority', (t) => {
  t.deepEqual(parseRootUrl('root://xrd.example:1094//atlas/es/HITS.1'), { server: 'xrd.example:1094', path: '/atlas/es/HITS.1' });
  t.deepEqual(parseRootUrl('root://xrd.example/atlas/es'), { server: 'xrd.example', path: '/atlas/es' });
});

test('a path with a dot segment, raw or encoded, is refused (1303)', (t) => {
  for (const url of ['root://h//atlas/es/../../etc/x', 'root://h//atlas/es/%2e%2e/x', 'xroot://h//atlas/./x']) {
    t.is(t.throws(() => parseRootUrl(url), { instanceOf: PilotError }, url)?.code, 1303, url);
  }
});
