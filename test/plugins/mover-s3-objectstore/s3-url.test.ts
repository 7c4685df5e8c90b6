import test from 'ava';
import { PilotError } from '../../../core/index.js';
import { parseS3Url } from '../../../plugins/mover-s3-objectstore/index.js';

test('bucket and key of the plain and the legacy //bucket form', (t) => {
  t.deepEqual(parseS3Url('s3://os.example:9000/bucket/a/b.1'), { host: 'os.example', port: 9000, bucket: 'bucket', key: 'a/b.1' });
  t.deepEqual(parseS3Url('s3://os.example:9000//bucket/k..x'), { host: 'os.example', port: 9000, bucket: 'bucket', key: 'k..x' });
});

test('a key or bucket with a dot segment, raw or encoded, is refused (1303): a normalised request path would name another bucket', (t) => {
  for (const url of ['s3://h:9000//bucket/../other/x', 's3://h:9000/bucket/a/%2e%2e/%2E%2E/other/x', 's3://h:9000/../bucket/x', 's3://h:9000//bucket/./x']) {
    t.is(t.throws(() => parseS3Url(url), { instanceOf: PilotError }, url)?.code, 1303, url);
  }
});
