import { createRun } from './dist/core/index.js';
import { servePilotLoop } from './dist/bench/pilot-loop.js';
const run = await createRun({ logLevel: 'error', env: {} });
const mk = (n, tag) => Array.from({ length: n }, (_, i) => { const id = `1-${tag}-1-${i+1}-1`; const wire = { eventRangeID: id, startEvent: i+1, lastEvent: i+1, LFN: 'EVNT', GUID: 'G', scope: 's' }; return { id, startEvent: i+1, lastEvent: i+1, lfn: 'EVNT', guid: 'G', wire }; });
const c0 = process.cpuUsage();
const r = await servePilotLoop(run, { workers: 1, ranges: mk(10000, 'p' + Math.random()) });
const c = process.cpuUsage(c0);
console.log('rate', r.rangesPerS.toFixed(0), 'user us/range', (c.user/10000).toFixed(1), 'sys us/range', (c.system/10000).toFixed(1));
await run.dispose();
