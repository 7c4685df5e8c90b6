/**
 * Zipped range outputs (pilot3's answer to "too many small files", the `EventService_premerge_*`
 * archive of genericexecutor.tarzip_output_es): outputs of several ranges are collected, written
 * into one zip in the job's directory, entries named as their objects (`<lfn>.<rangeID>`), and the
 * zip is stored once through the job's ES destinations (an ordinary StageOutQueue upload). Every
 * range of it is then stored — its stored objects name the zip — and the reports carry the zip
 * (updateEventRanges version 1). A zip is sealed at `maxRanges` ranges, `maxBytes` bytes of
 * outputs, `maxWaitS` after its first range, or when the engine drains.
 */
import { statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ZipOutputSettings } from '../config/pilot-config.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { StoredObject } from './journal-records.js';
import { StageOutQueue, type OutputStager, type OutputUpload, type StageOutQueueOptions } from './stage-out-queue.js';
import { writeZip } from './zip-writer.js';

export interface ZipStageOutOptions extends StageOutQueueOptions {
  readonly zip: ZipOutputSettings;
  /** Where the zips are written (the job's work directory); also the folder they must stay in. */
  readonly workdir: string;
}

/** The zip's object name: pilot3's `EventService_premerge_<first range id>` (as a .zip). */
export function premergeZipName(firstRangeId: string): string {
  return `EventService_premerge_${firstRangeId}.zip`;
}

export class ZipStageOutQueue implements OutputStager {
  private batch: OutputUpload[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sealing = 0;
  private idle: Array<() => void> = [];
  private readonly inner: StageOutQueue;
  private readonly members = new Map<string, { readonly uploads: readonly OutputUpload[]; readonly path: string }>();
  private readonly log: Logger;

  constructor(private readonly opts: ZipStageOutOptions) {
    this.log = opts.log;
    this.inner = new StageOutQueue({
      ...opts,
      onStored: (zipName, objects) => this.zipStored(zipName, objects[0]!),
      onFailed: (zipName, err) => this.zipFailed(zipName, err),
    });
    opts.signal?.addEventListener('abort', () => { clearTimeout(this.timer); this.batch = []; }, { once: true });
  }

  push(upload: OutputUpload): void {
    if (this.opts.signal?.aborted) return;
    this.batch.push(upload);
    this.bytes += sizeOf(upload);
    if (this.batch.length >= this.opts.zip.maxRanges || this.bytes >= this.opts.zip.maxBytes) this.seal();
    else if (!this.timer) this.timer = setTimeout(() => this.seal(), this.opts.zip.maxWaitS * 1000);
  }

  async drain(): Promise<void> {
    this.seal();
    while (this.sealing > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.inner.drain();
  }

  async settled(): Promise<void> {
    while (this.sealing > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.inner.settled();
  }

  /** Zips what is collected and hands the zip to the stage-out queue. */
  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const uploads = this.batch;
    this.batch = [];
    this.bytes = 0;
    if (uploads.length === 0) return;
    const name = premergeZipName(uploads[0]!.rangeId);
    const path = join(this.opts.workdir, name);
    this.sealing++;
    void (async () => {
      try {
        await unlink(path).catch(() => undefined); // a zip left by a crash before its upload is rebuilt
        const size = await writeZip(path, uploads.flatMap((u) => u.files.map((f) => ({ name: f.objectName, localPath: f.localPath }))));
        this.log.info(`zipped the outputs of ${uploads.length} range(s) into ${name} (${size} bytes)`);
        this.members.set(name, { uploads, path });
        this.inner.push({ rangeId: name, files: [{ localPath: path, objectName: name, within: this.opts.workdir }] });
      } catch (err) {
        const e = new PilotError(ErrorCodes.STAGEOUTFAILED, `cannot zip the outputs of ${uploads.length} range(s) into ${name}: ${(err as Error).message}`);
        for (const u of uploads) await this.opts.onFailed(u.rangeId, e).catch((cbErr: Error) => this.log.error(`range ${u.rangeId}: ${cbErr.message}`));
      } finally {
        this.sealing--;
        if (this.sealing === 0) for (const r of this.idle.splice(0)) r();
      }
    })();
  }

  /** Each range of the zip is stored: its objects are the entries, located by the zip. */
  private async zipStored(name: string, zip: StoredObject): Promise<void> {
    const uploads = await this.release(name);
    for (const u of uploads) {
      const objects = u.files.map((f): StoredObject => ({
        path: f.localPath, objectName: f.objectName, url: zip.url, size: zip.size, checksum: zip.checksum, mover: zip.mover,
        zip: { lfn: name, ranges: uploads.length },
      }));
      await this.opts.onStored(u.rangeId, objects).catch((cbErr: Error) => this.log.error(`range ${u.rangeId}: ${cbErr.message}`));
    }
  }

  private async zipFailed(name: string, err: PilotError): Promise<void> {
    const uploads = await this.release(name);
    for (const u of uploads) await this.opts.onFailed(u.rangeId, err).catch((cbErr: Error) => this.log.error(`range ${u.rangeId}: ${cbErr.message}`));
  }

  /**
   * The zip's ranges; its local copy is removed (stored, it is in the object store; failed, the
   * outputs are still here): it is neither data of the job's log nor left to fill the disk
   * (pilot3 removes its EventService_premerge_* files before the log is made).
   */
  private async release(name: string): Promise<readonly OutputUpload[]> {
    const m = this.members.get(name);
    this.members.delete(name);
    if (m) await unlink(m.path).catch((err: Error) => this.log.warn(`cannot remove ${m.path}: ${err.message}`));
    return m?.uploads ?? [];
  }
}

/** Bytes of a range's outputs (a missing file counts 0: zipping it fails the range). */
function sizeOf(u: OutputUpload): number {
  let n = 0;
  for (const f of u.files) {
    try { n += statSync(f.localPath).size; } catch { /* reported when zipped */ }
  }
  return n;
}
