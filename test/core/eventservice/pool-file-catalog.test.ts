import test from 'ava';
import { poolFileCatalogXml, withPfn, type EventRange } from '../../../core/index.js';

test('the catalogue in pilot3\'s layout: the LFN for a staged copy, the TURL for a direct read, names escaped, inputs without GUID left out', (t) => {
  const xml = poolFileCatalogXml([
    { lfn: 'EVNT.1', guid: 'A-1', pfn: '/job/EVNT.1', direct: false },
    { lfn: 'EVNT.2', guid: 'A-2', pfn: 'root://se//a&b"c', direct: true },
    { lfn: 'EVNT.3', pfn: '/job/EVNT.3', direct: false },
  ]);
  t.is(xml, [
    '<?xml version="1.0" ?>',
    '<!DOCTYPE POOLFILECATALOG SYSTEM "InMemory">',
    '<POOLFILECATALOG>',
    '  <File ID="A-1">', '    <physical>', '      <pfn filetype="ROOT_All" name="EVNT.1"/>', '    </physical>', '    <logical/>', '  </File>',
    '  <File ID="A-2">', '    <physical>', '      <pfn filetype="ROOT_All" name="root://se//a&amp;b&quot;c"/>', '    </physical>', '    <logical/>', '  </File>',
    '</POOLFILECATALOG>', '',
  ].join('\n'));
});

test('a range gets the PFN of its LFN, after the server\'s keys; a PFN the server sent is kept; an unknown LFN is left alone', (t) => {
  const range = (wire: Record<string, string | number>, pfn?: string): EventRange => Object.freeze({
    id: 'r', startEvent: 1, lastEvent: 2, lfn: 'EVNT.1', guid: 'G', ...(pfn ? { pfn } : {}), wire: Object.freeze(wire),
  });
  const pfns = new Map([['EVNT.1', '/job/EVNT.1']]);
  const r = withPfn(range({ eventRangeID: 'r', LFN: 'EVNT.1' }), pfns);
  t.is(r.pfn, '/job/EVNT.1');
  t.deepEqual(Object.keys(r.wire), ['eventRangeID', 'LFN', 'PFN']);
  t.true(Object.isFrozen(r) && Object.isFrozen(r.wire));
  const sent = range({ eventRangeID: 'r', LFN: 'EVNT.1', PFN: 'root://x//y' }, 'root://x//y');
  t.is(withPfn(sent, pfns), sent);
  const other = range({ eventRangeID: 'r', LFN: 'EVNT.9' });
  t.is(withPfn({ ...other, lfn: 'EVNT.9' }, pfns).pfn, undefined);
});
