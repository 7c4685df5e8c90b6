/**
 * `event_status.dump.json`: `{PandaID: [entry, …]}`, the file Harvester's shared-file messenger
 * takes range outcomes and files to stage out from (`get_files_to_stage_out`). Harvester
 * takes it by renaming it to `<name>.read` (and while a `.read` exists it reads only that
 * one), and later renames the `.read` to `.read.<timestamp>` when its database was updated,
 * or deletes it when it held nothing. So a dump still under its own name is unread, and new
 * entries must be merged into it, never written over it.
 *
 * The merge claims the unread dump by renaming it to a private name first: a rename is atomic,
 * so either Harvester got it (ours fails with ENOENT and its entries are Harvester's) or we
 * did (and Harvester cannot read a half-merged file). The merged dump is then written whole
 * (tmp + rename) and the claim removed. A claim left by a pilot that died in between is merged
 * by the next write, so no entry is lost.
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError, ErrorCodes, describeValue, isPlainObject, type Logger } from '../../core/index.js';
import { parseHarvesterJson, readIfExists, writeHarvesterJson } from './harvester-files.js';

/** One entry: a range outcome (`eventRangeID`, `eventStatus`) or a file (`type`, `path`, `guid`, `fsize`, `chksum`). */
export type DumpEntry = Readonly<Record<string, string | number>>;
type Dump = Record<string, DumpEntry[]>;

export class EventStatusDump {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly claimPrefix: string;

  constructor(readonly path: string, private readonly log: Logger) {
    this.claimPrefix = `.${basename(path)}.claim-`;
  }

  /** Adds entries for a job to the dump; resolves once they are durably in it. Calls run one at a time. */
  append(pandaId: string, entries: readonly DumpEntry[]): Promise<void> {
    const next = this.chain.then(() => this.merge(pandaId, entries));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async merge(pandaId: string, entries: readonly DumpEntry[]): Promise<void> {
    const dir = dirname(this.path);
    const leftovers = (await readdir(dir)).filter((n) => n.startsWith(this.claimPrefix)).map((n) => join(dir, n));
    const claim = join(dir, `${this.claimPrefix}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    let claimed = false;
    try {
      await rename(this.path, claim);
      claimed = true;
    } catch (err) {
      // ENOENT: no unread dump, or Harvester has just taken it as `.read`.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const merged: Dump = {};
    for (const file of [...leftovers, ...(claimed ? [claim] : [])]) {
      const text = await readIfExists(file);
      if (text === undefined) continue;
      addAll(merged, parseDump(text, file));
      if (file !== claim) this.log.warn(`merged the entries of ${file}, left by a pilot that stopped while writing the dump`);
    }
    addAll(merged, { [pandaId]: [...entries] });
    await writeHarvesterJson(this.path, merged);
    for (const file of [...leftovers, ...(claimed ? [claim] : [])]) await rm(file, { force: true });
  }
}

/** Adds `more` to `into`; an entry for the same range or file replaces the earlier one. */
function addAll(into: Dump, more: Dump): void {
  for (const [id, list] of Object.entries(more)) {
    const byKey = new Map<string, DumpEntry>((into[id] ?? []).map((e) => [entryKey(e), e]));
    for (const e of list) {
      byKey.delete(entryKey(e));
      byKey.set(entryKey(e), e);
    }
    into[id] = [...byKey.values()];
  }
}

function entryKey(e: DumpEntry): string {
  return e['path'] !== undefined ? `file:${String(e['path'])}` : `range:${String(e['eventRangeID'])}`;
}

/** @throws ConfigError CONVERSIONFAILURE naming the file when it is not `{PandaID: [objects]}`. */
export function parseDump(text: string, path: string): Dump {
  const doc = parseHarvesterJson(text, path, 'JSON {PandaID: [entries]}');
  const bad = (where: string, expected: string, got: unknown) => new ConfigError([{ path: `${path}${where}`, expected, got: describeValue(got) }], ErrorCodes.CONVERSIONFAILURE, 'unreadable event status dump');
  if (!isPlainObject(doc)) throw bad('', 'an object {PandaID: [entries]}', doc);
  const out: Dump = {};
  for (const [id, list] of Object.entries(doc)) {
    if (!Array.isArray(list)) throw bad(`[${id}]`, 'a list of entries', list);
    out[id] = list.map((e, i) => {
      if (!isPlainObject(e)) throw bad(`[${id}][${i}]`, 'an object', e);
      return e as DumpEntry;
    });
  }
  return out;
}
