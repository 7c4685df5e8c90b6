import test from 'ava';
import { ES_PATH_CONVENTION, rangeUpdateEntry, rangeUpdateOf, storageIdOfDestinations, type BoundDestination, type RangeState } from '../../../core/index.js';

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
