/**
 * What panda-server's Adder (dataservice/AdderGen.py `parseXML`, PS-2024) does with the
 * `xml` of a job's final updateJob: it reads the file list as PoolFileCatalog XML, else as
 * pilot3's JSON `{lfn: {guid, fsize, adler32|md5sum, surl, endpoint, …}}`; every output and
 * the log of the job must be in it, with a size and a checksum, or the job fails with
 * ddmErrorCode 200 (EC_Adder). The registered files are what the server knows of the job's
 * outputs; nothing else is.
 *
 * Rules (AdderGen.parseXML):
 * - unreadable in both forms, or a non-input file without fsize or checksum → the job is
 *   failed; when pilotErrorCode and transExitCode are 0 the diag is "Could not get
 *   GUID/LFN/MD5/FSIZE/SURL from pilot XML" (a merge job skips such entries instead);
 * - a job without output or log files needs no xml;
 * - a finished job: each output/log missing from the xml fails it ("expected output <lfn> is
 *   missing in pilot XML"), except for a finished Event Service job;
 * - a failed job registers only its log;
 * - an LFN in the xml that the job does not have fails it ("pilot produced <lfn>
 *   inconsistently with jobdef").
 */

/** dataservice/ErrorCode.py EC_Adder. */
export const EC_ADDER = 200;
export const ADDER_XML_DIAG = 'Could not get GUID/LFN/MD5/FSIZE/SURL from pilot XML';

/** One file of the pilot's xml, as the Adder reads it. */
export interface PilotXmlFile {
  readonly lfn: string;
  readonly guid: string;
  readonly fsize?: number;
  /** `ad:<adler32>` or `md5:<md5>`. */
  readonly checksum?: string;
  readonly surl?: string;
  readonly dataset?: string;
  readonly endpoint?: readonly string[];
}

/** The job as the Adder sees it. */
export interface AdderJob {
  readonly outputs: readonly string[];
  readonly log?: string;
  readonly inputs: readonly string[];
  readonly eventService: boolean;
  readonly merge: boolean;
}

export type AdderResult =
  | { readonly ok: true; readonly files: readonly (PilotXmlFile & { readonly type: 'output' | 'log' })[] }
  | { readonly ok: false; readonly ddmErrorCode?: number; readonly ddmErrorDiag?: string; readonly files: readonly (PilotXmlFile & { readonly type: 'log' })[] };

/** The Adder's verdict on a job ending `state` with `xml`. */
export function runAdder(job: AdderJob, state: 'finished' | 'failed', xml: string, codes: { pilotErrorCode: number; transExitCode: number }): AdderResult {
  const wanted = [...job.outputs.map((lfn) => ({ lfn, type: 'output' as const })), ...(job.log ? [{ lfn: job.log, type: 'log' as const }] : [])];
  if (!wanted.length) return { ok: state === 'finished', files: [] } as AdderResult;
  const parsed = parsePilotXml(xml, new Set(job.inputs), job.merge);
  if (!parsed) {
    const blameXml = codes.pilotErrorCode === 0 && codes.transExitCode === 0;
    return { ok: false, ...(blameXml ? { ddmErrorCode: EC_ADDER, ddmErrorDiag: ADDER_XML_DIAG } : {}), files: [] };
  }
  const byLfn = new Map(parsed.map((f) => [f.lfn, f]));
  const known = new Set([...wanted.map((w) => w.lfn), ...job.inputs]);
  const stray = parsed.find((f) => !known.has(f.lfn));
  if (stray) return { ok: false, ddmErrorCode: EC_ADDER, ddmErrorDiag: `pilot produced ${stray.lfn} inconsistently with jobdef`, files: [] };
  if (state === 'failed') {
    const log = job.log ? byLfn.get(job.log) : undefined;
    return { ok: false, files: log ? [{ ...log, type: 'log' }] : [] };
  }
  const files: (PilotXmlFile & { type: 'output' | 'log' })[] = [];
  for (const w of wanted) {
    const f = byLfn.get(w.lfn);
    if (f) files.push({ ...f, type: w.type });
    else if (!job.eventService) {
      const log = job.log ? byLfn.get(job.log) : undefined;
      return { ok: false, ddmErrorCode: EC_ADDER, ddmErrorDiag: `expected output ${w.lfn} is missing in pilot XML`, files: log ? [{ ...log, type: 'log' }] : [] };
    }
  }
  return { ok: true, files };
}

/** The files of `xml` in either form; undefined when the Adder cannot use it. */
export function parsePilotXml(xml: string, inputs: ReadonlySet<string>, merge: boolean): PilotXmlFile[] | undefined {
  const entries = xml.trimStart().startsWith('<') ? parsePoolFileCatalog(xml) : parseJsonForm(xml);
  if (!entries) return undefined;
  const out: PilotXmlFile[] = [];
  for (const f of entries) {
    if (!inputs.has(f.lfn) && (f.fsize === undefined || f.checksum === undefined)) {
      if (merge) continue;
      return undefined;
    }
    out.push(f);
  }
  return out;
}

function parseJsonForm(text: string): PilotXmlFile[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const out: PilotXmlFile[] = [];
  for (const [lfn, v] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null || !('guid' in v)) return undefined;
    const d = v as Record<string, unknown>;
    const fsize = d['fsize'] === undefined ? undefined : Number.parseInt(String(d['fsize']), 10);
    if (fsize !== undefined && !Number.isSafeInteger(fsize)) return undefined;
    const endpoint = Array.isArray(d['endpoint']) ? d['endpoint'].map(String) : d['endpoint'] !== undefined ? [String(d['endpoint'])] : undefined;
    out.push(file(lfn, String(d['guid']), fsize, stringOf(d['adler32']), stringOf(d['md5sum']), stringOf(d['surl']), stringOf(d['dataset']), endpoint));
  }
  return out;
}

/** `<File ID=guid><logical><lfn name=…/></logical><metadata att_name att_value/>…<endpoint>…</endpoint></File>`. */
function parsePoolFileCatalog(text: string): PilotXmlFile[] | undefined {
  if (!/<POOLFILECATALOG[\s>]/.test(text) || !/<\/POOLFILECATALOG>/.test(text)) return undefined;
  const out: PilotXmlFile[] = [];
  for (const m of text.matchAll(/<File\b([^>]*)>([\s\S]*?)<\/File>/g)) {
    const guid = attr(m[1]!, 'ID') ?? '';
    const lfnTag = /<logical>[\s\S]*?<lfn\b([^>]*)\/?>/.exec(m[2]!);
    const lfn = lfnTag ? attr(lfnTag[1]!, 'name') : undefined;
    if (lfn === undefined) return undefined;
    const meta = new Map<string, string>();
    for (const md of m[2]!.matchAll(/<metadata\b([^>]*)\/?>/g)) {
      const name = attr(md[1]!, 'att_name');
      const value = attr(md[1]!, 'att_value');
      if (name !== undefined && value !== undefined) meta.set(name, value);
    }
    const fsizeText = meta.get('fsize');
    const fsize = fsizeText === undefined ? undefined : Number.parseInt(fsizeText, 10);
    if (fsize !== undefined && !Number.isSafeInteger(fsize)) return undefined;
    const endpoint = [...m[2]!.matchAll(/<endpoint>([^<]*)<\/endpoint>/g)].map((e) => unescapeXml(e[1]!.trim()));
    out.push(file(lfn, guid, fsize, meta.get('adler32'), meta.get('md5sum'), meta.get('surl'), meta.get('dataset'), endpoint.length ? endpoint : undefined));
  }
  return out;
}

function file(lfn: string, guid: string, fsize: number | undefined, adler32: string | undefined, md5: string | undefined, surl?: string, dataset?: string, endpoint?: string[]): PilotXmlFile {
  // The server keeps an md5sum only when it is 32 hex digits, and prefers adler32.
  const md5ok = md5 !== undefined && /^[a-fA-F0-9]{32}$/.test(md5) ? md5 : undefined;
  const checksum = adler32 !== undefined ? `ad:${adler32}` : md5ok !== undefined ? `md5:${md5ok}` : undefined;
  return Object.freeze({
    lfn, guid, ...(fsize !== undefined ? { fsize } : {}), ...(checksum ? { checksum } : {}), ...(surl !== undefined ? { surl } : {}),
    ...(dataset !== undefined ? { dataset } : {}), ...(endpoint ? { endpoint: Object.freeze(endpoint) } : {}),
  });
}

function stringOf(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  return m ? unescapeXml(m[2] ?? m[3] ?? '') : undefined;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}
