import test from 'ava';
import { ES_PATH_CONVENTION, rangeUpdateEntry, rangeUpdateList, rangeUpdateOf, storageIdOfDestinations, type BoundDestination, type RangeState } from '../../../core/index.js';

const dest = (base: string, storageId?: number) => ({ base, url: (n: string) => { if (!n) throw new Error('an empty object name is refused (as containedUrl does)'); return `${base}/${n}`; }, ...(storageId !== undefined ? { storageId } : {}) }) as unknown as BoundDestination;
const state = (url: string): RangeState => ({
  range: { id: 'r1', startEvent: 1, lastEvent: 1, lfn: 'EVNT.1', guid: 'G', wire: {} }, phase: 'stored', outputs: { paths: ['/w/o'], cpu: 3 },
  stored: [{ path: '/w/o', objectName: 'o.r1', url, size: 1, checksum: 'ad:00000001', mover: 'local' }],
});

test('a finished range names the store its output is in (objstoreID, pathConvention); the failover store by its own id', (t) => {
  const idOf = storageIdOfDestinations({ primary: dest('s3://os/es', 1318), failover: dest('file:///fo', 7) });
  t.deepEqual(rangeUpdateOf('r1', { status: 'finished' }, state('s3://os/es/o.r1'), idOf), {
    eventRangeId: 'r1', eventStatus: 'finished', objstoreId: 1318, pathConvention: ES_PATH_CONVENTION, cpuConsumptionTime: 3,
  });
  t.is(rangeUpdateOf('r1', { status: 'finished' }, state('file:///fo/o.r1'), idOf).objstoreId, 7);
  // On the wire, in the server's names.
  t.like(rangeUpdateEntry(rangeUpdateOf('r1', { status: 'finished' }, state('s3://os/es/o.r1'), idOf)), { eventRangeID: 'r1', objstoreID: 1318, pathConvention: 1000 });
});

test('no objstoreID for a failed range, for a store without an id, or for an URL under no known store', (t) => {
  const idOf = storageIdOfDestinations({ primary: dest('s3://os/es', 1318), failover: dest('file:///fo') });
  t.false('objstoreId' in rangeUpdateOf('r1', { status: 'failed', code: 1165 }, state('s3://os/es/o.r1'), idOf));
  t.false('objstoreId' in rangeUpdateOf('r1', { status: 'finished' }, state('file:///fo/o.r1'), idOf));
  t.false('objstoreId' in rangeUpdateOf('r1', { status: 'finished' }, state('s3://os/esx/o.r1'), idOf), 'a sibling prefix is not the store');
  t.false('pathConvention' in rangeUpdateOf('r1', { status: 'finished' }, state('s3://os/es/o.r1')));
});

const zipped = (id: string, zip: string): RangeState => ({
  range: { id, startEvent: 1, lastEvent: 1, lfn: 'EVNT.1', guid: 'G', wire: {} }, phase: 'stored', outputs: { paths: [`/w/o.${id}`] },
  stored: [{ path: `/w/o.${id}`, objectName: `o.${id}`, url: `s3://os/es/${zip}`, size: 900, checksum: 'ad:0a0b0c0d', mover: 'local', zip: { lfn: zip, ranges: 2 } }],
});

test('a range stored in a premerge zip reports the zip (lfn, objstoreID, fsize, adler32, numEvents, pathConvention) in a version-1 chunk', (t) => {
  const idOf = storageIdOfDestinations({ primary: dest('s3://os/es', 1318) });
  const z1 = 'EventService_premerge_r1.zip';
  const z2 = 'EventService_premerge_r4.zip';
  const updates = [
    rangeUpdateOf('r1', { status: 'finished' }, zipped('r1', z1), idOf),
    rangeUpdateOf('r2', { status: 'finished' }, zipped('r2', z1), idOf),
    rangeUpdateOf('r3', { status: 'failed', code: 1220, diag: 'boom' }, zipped('r3', z1), idOf),
    rangeUpdateOf('r4', { status: 'finished' }, zipped('r4', z2), idOf),
  ];
  t.deepEqual(updates[0]!.zipFile, { lfn: z1, objstoreId: 1318, fsize: 900, adler32: '0a0b0c0d', numEvents: 2, pathConvention: 1000 });
  t.false('zipFile' in updates[2]!, 'a failed range names no zip');
  // Runs of one zip become chunks; plain entries stay in between; the order of ranges is kept.
  t.deepEqual(rangeUpdateList(updates), {
    version: 1,
    eventRanges: [
      { zipFile: { numEvents: 2, objstoreID: 1318, lfn: z1, fsize: 900, pathConvention: 1000, adler32: '0a0b0c0d' }, eventRanges: [{ eventRangeID: 'r1', eventStatus: 'finished' }, { eventRangeID: 'r2', eventStatus: 'finished' }] },
      { eventRangeID: 'r3', eventStatus: 'failed', errorCode: 1220, errorDiag: 'boom' },
      { zipFile: { numEvents: 2, objstoreID: 1318, lfn: z2, fsize: 900, pathConvention: 1000, adler32: '0a0b0c0d' }, eventRanges: [{ eventRangeID: 'r4', eventStatus: 'finished' }] },
    ],
  });
  // Without zips: version 0, the flat list as before.
  const plain = [rangeUpdateOf('r1', { status: 'finished' }, state('s3://os/es/o.r1'), idOf)];
  t.deepEqual(rangeUpdateList(plain), { version: 0, eventRanges: plain.map(rangeUpdateEntry) });
});
