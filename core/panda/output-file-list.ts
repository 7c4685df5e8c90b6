/**
 * The `xml` field of the final updateJob: the files the job stored, as panda-server's Adder
 * reads them (AdderGen.parseXML). pilot3 sends JSON (`generate_fileinfo`: `{lfn: {guid,
 * fsize, adler32, surl, endpoint}}`); servers of the 2015 generation read only
 * PoolFileCatalog XML (`<File ID=guid>`, `<lfn name>`, `<metadata att_name att_value>`).
 * Both carry the same facts: guid, lfn, size, checksum, surl, dataset, DDM endpoint.
 */
import type { ServerProfile } from '../config/pilot-config.js';
import type { StoredOutput } from '../contracts/run-job.js';

/** The `xml` value for `files` in the form the server profile reads. */
export function outputFileList(files: readonly StoredOutput[], profile: ServerProfile): string {
  return profile === 'ps-2015' ? poolFileCatalog(files) : outputFilesJson(files);
}

/** pilot3's JSON form. The checksum key is its algorithm (`adler32` / `md5sum`); `endpoint` a string, as pilot3 sends it. */
export function outputFilesJson(files: readonly StoredOutput[]): string {
  const doc: Record<string, Record<string, string | number>> = {};
  for (const f of files) {
    const { algorithm, value } = splitChecksum(f.checksum);
    doc[f.lfn] = {
      guid: f.guid, fsize: f.size, [algorithm]: value, surl: f.surl,
      ...(f.dataset ? { dataset: f.dataset } : {}), ...(f.ddmEndpoint ? { endpoint: f.ddmEndpoint } : {}),
    };
  }
  return JSON.stringify(doc);
}

/** PoolFileCatalog XML as the pilot wrote it for the server (pilot1 `createPoolFileCatalog`-style metadata). */
export function poolFileCatalog(files: readonly StoredOutput[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
    '<!-- Edited By the PanDA Pilot -->',
    '<!DOCTYPE POOLFILECATALOG SYSTEM "InMemory">',
    '<POOLFILECATALOG>',
  ];
  for (const f of files) {
    const { algorithm, value } = splitChecksum(f.checksum);
    const meta = (name: string, v: string | number): string => `    <metadata att_name="${name}" att_value="${esc(String(v))}"/>`;
    lines.push(
      `  <File ID="${esc(f.guid)}">`,
      '    <logical>',
      `      <lfn name="${esc(f.lfn)}"/>`,
      '    </logical>',
      meta('surl', f.surl),
      meta('fsize', f.size),
      meta(algorithm, value),
      ...(f.dataset ? [meta('dataset', f.dataset)] : []),
      ...(f.ddmEndpoint ? [`    <endpoint>${esc(f.ddmEndpoint)}</endpoint>`] : []),
      '  </File>',
    );
  }
  lines.push('</POOLFILECATALOG>');
  return `${lines.join('\n')}\n`;
}

function splitChecksum(checksum: string): { algorithm: 'adler32' | 'md5sum'; value: string } {
  const [prefix, value] = checksum.includes(':') ? [checksum.slice(0, checksum.indexOf(':')), checksum.slice(checksum.indexOf(':') + 1)] : ['ad', checksum];
  return { algorithm: prefix === 'md5' ? 'md5sum' : 'adler32', value: value! };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
