/**
 * Writes a large range journal directly (no pilot, no disk sync per record), as the tracker
 * would have written it for a long job: every range fetched in batches, sent, its output
 * stored and finished, the report acknowledged; the last ranges left in each unfinished
 * phase. For the replay tests and B8, which need a journal far past the size that broke the
 * old reader (~460k ranges).
 */
import { open } from 'node:fs/promises';
import { encodeJournalRecord, type JournalJobHeader, type JournalRecord, type EventRange } from '../../core/index.js';

export interface LargeJournal {
  readonly ranges: number;
  readonly bytes: number;
  /** Ids left in each unfinished phase. */
  readonly unfinished: { readonly output: readonly string[]; readonly sent: readonly string[]; readonly final: readonly string[]; readonly fetched: readonly string[] };
}

const GUID = '0a1b2c3d-0000-4000-8000-00000000000a';

export function largeJournalRange(i: number): EventRange {
  const id = `9-77-3-${i}-1`;
  const wire = { eventRangeID: id, startEvent: i * 10 + 1, lastEvent: i * 10 + 10, LFN: 'EVNT.01.pool.root', GUID, scope: 'mc23' };
  return { id, startEvent: wire.startEvent, lastEvent: wire.lastEvent, lfn: wire.LFN, guid: GUID, scope: 'mc23', wire };
}

/** Writes `n` ranges (the last `left` of each unfinished phase) to a new journal at `path`. */
export async function writeLargeJournal(path: string, job: JournalJobHeader, n: number, left = 5): Promise<LargeJournal> {
  const fh = await open(path, 'wx', 0o600);
  const unfinished = { output: [] as string[], sent: [] as string[], final: [] as string[], fetched: [] as string[] };
  let text = '';
  let bytes = 0;
  const put = async (rec: JournalRecord) => {
    text += encodeJournalRecord(rec);
    if (text.length > 1 << 22) await flush();
  };
  const flush = async () => {
    const buf = Buffer.from(text, 'utf8');
    bytes += buf.length;
    await fh.write(buf);
    text = '';
  };
  try {
    await put({ t: 'job', v: 2, job });
    const batch = 100;
    const doneUpTo = n - 4 * left;
    let ts = job.createdAt;
    for (let first = 0; first < n; first += batch) {
      const ranges = Array.from({ length: Math.min(batch, n - first) }, (_, k) => largeJournalRange(first + k));
      await put({ t: 'fetched', ts: ++ts, ranges });
      const acked: string[] = [];
      for (const r of ranges) {
        const i = Number(r.id.split('-')[3]);
        const phase = i < doneUpTo ? 'done' : (['output', 'sent', 'final', 'fetched'] as const)[Math.floor((i - doneUpTo) / left)]!;
        if (phase === 'fetched') {
          unfinished.fetched.push(r.id);
          continue;
        }
        await put({ t: 'sent', ts: ++ts, id: r.id, peer: '00aa01' });
        if (phase === 'sent') {
          unfinished.sent.push(r.id);
          continue;
        }
        const path = `/w/worker_1/HITS.${r.id}.pool.root`;
        await put({ t: 'output', ts: ++ts, id: r.id, paths: [path], cpu: 1.5, wall: 2 });
        if (phase === 'output') {
          unfinished.output.push(r.id);
          continue;
        }
        await put({ t: 'stored', ts: ++ts, id: r.id, objects: [{ path, objectName: `HITS.pool.root.${r.id}`, url: `file:///store/HITS.pool.root.${r.id}`, size: 1000 + i, checksum: 'ad:0000abcd', mover: 'local' }] });
        await put({ t: 'final', ts: ++ts, id: r.id, outcome: { status: 'finished' } });
        if (phase === 'final') unfinished.final.push(r.id);
        else acked.push(r.id);
      }
      if (acked.length) await put({ t: 'reported', ts: ++ts, acked, rejected: [] });
    }
    await flush();
  } finally {
    await fh.close();
  }
  return { ranges: n, bytes, unfinished };
}
