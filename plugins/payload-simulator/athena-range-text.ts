/**
 * Reads an event-range reply the way AthenaMP does (reference/yampl-interop.md §5.3): cut
 * at the first newline, compare exactly with the stop string, then strip `[{` and `}]`,
 * split on `,`, split each part at its first `:`, trim, and strip `u'…'`, `'…'` or `"…"`.
 * Being this naive on purpose is the point: a reply only AthenaMP's parser can misread
 * shows up here as the ERR_ATHENAMP_PARSE a real payload would send.
 */
export const STOP = 'No more events';

export interface AthenaRange {
  readonly eventRangeID: string;
  readonly startEvent: number;
  readonly lastEvent: number;
  readonly fields: Readonly<Record<string, string>>;
}

export type AthenaReply =
  | { readonly kind: 'stop' }
  | { readonly kind: 'range'; readonly range: AthenaRange }
  | { readonly kind: 'bad'; readonly text: string; readonly why: 'Wrong format' | 'Wrong values of range fields' };

export function readAthenaReply(bytes: Uint8Array): AthenaReply {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const nl = all.indexOf('\n');
  const text = nl < 0 ? all : all.slice(0, nl);
  if (text === STOP) return { kind: 'stop' };
  const s = text.trim();
  if (!s.startsWith('[{') || !s.endsWith('}]')) return { kind: 'bad', text, why: 'Wrong format' };
  const fields: Record<string, string> = {};
  for (const part of s.slice(2, -2).split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) return { kind: 'bad', text, why: 'Wrong format' };
    fields[unquote(part.slice(0, colon))] = unquote(part.slice(colon + 1));
  }
  const id = fields['eventRangeID'];
  const start = Number(fields['startEvent']);
  const last = Number(fields['lastEvent']);
  if (!id || fields['startEvent'] === undefined || fields['lastEvent'] === undefined) return { kind: 'bad', text, why: 'Wrong format' };
  if (!Number.isInteger(start) || !Number.isInteger(last) || last < start) return { kind: 'bad', text, why: 'Wrong values of range fields' };
  return { kind: 'range', range: { eventRangeID: id, startEvent: start, lastEvent: last, fields } };
}

function unquote(raw: string): string {
  let v = raw.trim();
  if (v.startsWith("u'") && v.endsWith("'") && v.length >= 3) return v.slice(2, -1);
  if (v.length >= 2 && ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"')))) v = v.slice(1, -1);
  return v;
}
