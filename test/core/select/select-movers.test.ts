import test from 'ava';
import { destinationFor, moverNamesFor, containedUrl, parseQueueData, schemeOf } from '../../../core/index.js';

test('legacy fields: copytoolin reads, copytool writes, ES goes to objectstore', (t) => {
  const q = parseQueueData({ copytool: 'gfal-copy', copytoolin: 'xrdcp', objectstore: 's3://h:8443/|eventservice^/es|logs^/logs' });
  t.deepEqual(moverNamesFor(q, 'pr'), ['xrdcp']);
  t.deepEqual(moverNamesFor(q, 'pw'), ['gfal-copy']);
  t.deepEqual(moverNamesFor(q, 'es_events'), ['objectstore']);
  t.deepEqual(moverNamesFor(q, 'es_events_read'), ['objectstore']);
  t.is(destinationFor(q, 'es_events'), 's3://h:8443//es');
  t.is(destinationFor(q, 'pls'), 's3://h:8443//logs');
  const noIn = parseQueueData({ copytool: 'gfal-copy' });
  t.deepEqual(moverNamesFor(noIn, 'pr'), ['gfal-copy']);
});

test('acopytools: activity list, else default; ES falls back to objectstore', (t) => {
  const q = parseQueueData({ acopytools: { pw: ['gfal2', 'local', 'gfal2'], default: ['local'] }, copytool: 'ignored' });
  t.deepEqual(moverNamesFor(q, 'pw'), ['gfal2', 'local']);
  t.deepEqual(moverNamesFor(q, 'pr'), ['local']);
  t.deepEqual(moverNamesFor(q, 'es_events'), ['objectstore']);
});

test('astorages win over the objectstore string', (t) => {
  const q = parseQueueData({
    objectstore: 'eventservice^s3://a:1//es',
    astorages: { es_events: ['OS'] },
    ddmendpoints: { OS: { endpoint: 'root://b:2', path: '//es' } },
  });
  t.is(destinationFor(q, 'es_events'), 'root://b:2//es');
  t.is(destinationFor(q, 'es_failover'), undefined);
});

test('containedUrl and schemeOf', (t) => {
  t.is(containedUrl('root://h//es', 'a.pool.root.1-2-3'), 'root://h//es/a.pool.root.1-2-3');
  t.is(containedUrl('file:///tmp/os/', 'x'), 'file:///tmp/os/x');
  t.is(schemeOf('S3://h/b'), 's3');
  t.is(schemeOf('/no/scheme'), '');
});
