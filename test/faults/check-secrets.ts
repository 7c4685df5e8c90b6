/**
 * I6, secret hygiene: the canaries (S3 secret key, bearer token, a line of the X.509 proxy's
 * private key) appear nowhere the pilot writes or passes on: no file under its work
 * directory (job reports, journals, state files, payload logs, outputs), no pilot log, no
 * argv or environment of any process the run started (pilot, payload shell, payload), no
 * report it sent to the dispatcher, no request it sent to the object store. Findings name
 * the place and which canary, never its value.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckContext } from './check-context.js';

const NAMES = ['the S3 secret key', 'the bearer token', 'the X.509 proxy key'];

/** A named secret to look for, and a place (file, argv, request) it must not be in. */
export interface Canary { readonly name: string; readonly value: string }
export interface Place { readonly where: string; readonly data: Buffer | string }

/** `I6: <canary name> appears in <where>` for every canary found in a place; never the value. */
export function canaryHits(canaries: readonly Canary[], places: readonly Place[]): string[] {
  const out: string[] = [];
  for (const p of places) {
    const data = typeof p.data === 'string' ? Buffer.from(p.data) : p.data;
    for (const k of canaries) if (data.includes(Buffer.from(k.value))) out.push(`I6: ${k.name} appears in ${p.where}`);
  }
  return out;
}

/** Every regular file below the folders, as places (unreadable files count as empty). */
export async function filePlaces(dirs: readonly string[]): Promise<Place[]> {
  const out: Place[] = [];
  for (const dir of dirs) for (const file of await filesUnder(dir)) out.push({ where: file, data: await readFile(file).catch(() => Buffer.alloc(0)) });
  return out;
}

export async function checkSecrets(c: CheckContext): Promise<string[]> {
  const out: string[] = [];
  const canaries = c.h.canaries.map((v, i) => ({ name: NAMES[i] ?? `canary ${i}`, value: v }));
  const find = (where: string, data: Buffer) => out.push(...canaryHits(canaries, [{ where, data }]));
  out.push(...canaryHits(canaries, await filePlaces(c.h.scanDirs)));
  for (const p of c.h.children) {
    find(`the argv of pid ${p.pid} (${p.argv.slice(0, 2).join(' ')})`, Buffer.from(p.argv.join('\0')));
    find(`the environment of pid ${p.pid} (${p.argv.slice(0, 2).join(' ')})`, Buffer.from(p.environ.join('\0')));
  }
  find('what the pilot sent to the dispatcher', Buffer.from(JSON.stringify(c.h.snapshot)));
  find('the requests the pilot sent to the object store', Buffer.from(JSON.stringify(c.h.proxyLog.map((r) => [r.path, r.headers]))));
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
