import { createRun } from './dist/core/index.js';
import { servePilotLoop } from './dist/bench/pilot-loop.js';
const run = await createRun({ logLevel: 'error', env: {} });
const ranges = Array.from({ length: 10000 }, (_, i) => { const id = `1-2-1-${i+1}-1`; const wire = { eventRangeID: id, startEvent: i+1, lastEvent: i+1, LFN: 'EVNT', GUID: 'G', scope: 's' }; return { id, startEvent: i+1, lastEvent: i+1, lfn: 'EVNT', guid: 'G', wire }; });
const m = await servePilotLoop(run, { workers: 1, ranges });
console.log(m.rangesPerS, m.finished);
await run.dispose();
