import test from 'ava';
import { PilotError, containedPath, containedUrl, refuseDotSegments } from '../../../core/index.js';

const HOSTILE = [
  '../../../../tmp/x', '../../../outside/secret.txt', '../../../planted/evil.sh', '..', '.', '', '/etc/passwd',
  'a/../../b', 'a\0b', 'a\nb', 'a\\..\\b', '%2e%2e', '%2E./x', 'x?y', 'x#y', 'a//b', 'a/./b',
];

test('containedPath: a plain file name lands directly in its folder', (t) => {
  t.is(containedPath('/job/dir', 'HITS.pool.root.1'), '/job/dir/HITS.pool.root.1');
  t.is(containedPath('/job/dir/', 'log.1.tgz', 'log LFN'), '/job/dir/log.1.tgz');
  t.is(containedPath('/job/dir', '..x..'), '/job/dir/..x..', 'dots inside a name are fine');
});

test('containedPath refuses every escaping, absolute, empty or URL-special name with 1303, naming the field', (t) => {
  for (const name of [...HOSTILE, 'sub/file']) {
    const e = t.throws(() => containedPath('/job/dir', name, 'output LFN'), { instanceOf: PilotError }, JSON.stringify(name));
    t.is(e?.code, 1303);
    t.true(e?.message.startsWith(`output LFN ${JSON.stringify(name)} is refused: `), e?.message);
    t.false(e?.message.includes('\n'), 'a control character is shown escaped');
  }
});

test('containedUrl keeps the base\'s own slashes for file://, s3://, root:// and davs://', (t) => {
  t.is(containedUrl('file:///store/es', 'HITS.1.R-1'), 'file:///store/es/HITS.1.R-1');
  t.is(containedUrl('file:///store/es/', 'HITS.1.R-1'), 'file:///store/es/HITS.1.R-1');
  t.is(containedUrl('s3://os.example:9000//bucket/prefix', 'HITS.1.R-1'), 's3://os.example:9000//bucket/prefix/HITS.1.R-1');
  t.is(containedUrl('s3://os.example:9000/bucket', 'a/b.1'), 's3://os.example:9000/bucket/a/b.1', 'an object name may have segments');
  t.is(containedUrl('root://xrd.example:1094//atlas/es/', 'HITS.1.R-1'), 'root://xrd.example:1094//atlas/es/HITS.1.R-1');
  t.is(containedUrl('davs://dav.example:443/atlas/es', 'HITS.1.<eventRangeID>'), 'davs://dav.example:443/atlas/es/HITS.1.<eventRangeID>');
  t.is(containedUrl('file:///with%20space', 'x y'), 'file:///with%20space/x y');
});

test('containedUrl refuses names that leave the base, and bases a name cannot be appended to', (t) => {
  for (const base of ['file:///store/a/b/c/es', 's3://h:9000//bucket/p', 'root://h//atlas/es', 'davs://h/es']) {
    for (const name of HOSTILE) {
      const e = t.throws(() => containedUrl(base, name, 'es_events object name'), { instanceOf: PilotError }, `${base} + ${JSON.stringify(name)}`);
      t.is(e?.code, 1303);
      t.regex(e?.message ?? '', /^es_events object name .* is refused: /);
    }
  }
  t.is(t.throws(() => containedUrl('root://h//es?svcClass=x', 'a'), { instanceOf: PilotError })?.code, 1303);
  t.is(t.throws(() => containedUrl('file:///store/../etc', 'passwd'), { instanceOf: PilotError })?.code, 1303);
});

test('refuseDotSegments: raw and percent-encoded dot segments, in any case, with an encoded slash', (t) => {
  for (const url of ['file:///s/es/../x', 'file:///s/es/%2e%2e/x', 'file:///s/es/%2E%2e/x', 'file:///s/es/.%2E/x', 's3://h//b/k/./x', 'root://h//es/%2e%2e%2fetc', 'file:///s/es/..']) {
    t.is(t.throws(() => refuseDotSegments(url), { instanceOf: PilotError }, url)?.code, 1303);
  }
  for (const url of ['file:///s/es/x..y', 'root://h//es/a', 's3://h:1//b/.hidden', 'file:///s/es/...']) t.notThrows(() => refuseDotSegments(url), url);
});
