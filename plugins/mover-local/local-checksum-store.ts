import { inject } from '../../core/index.js';
import { ChecksumStore, PLUGIN_API_VERSION, checksumsEqual, pilotPlugin, LoggerToken, type Checksum, type Logger, type RecordedChecksums } from '../../core/index.js';
import { LocalChecksumCatalog, localPathOf } from './local-checksum-catalog.js';

/** ChecksumStore for `file://` stores: the catalog beside the objects. */
@pilotPlugin({ provides: ChecksumStore, name: 'local', schemes: ['file'], apiVersion: PLUGIN_API_VERSION, description: 'checksum catalog beside file:// objects' })
export class LocalChecksumStore implements ChecksumStore {
  private readonly catalog = new LocalChecksumCatalog();

  constructor(@inject(LoggerToken) private readonly log: Logger) {}

  /** Writes the catalog entry unless it already holds these values (the local mover writes it with the file). */
  async record(url: string, size: number, checksums: readonly Checksum[]): Promise<void> {
    const path = localPathOf(url);
    const known = await this.catalog.lookup(path);
    if (known?.size === size && checksums.every((c) => known.checksums.some((k) => checksumsEqual(k, c)))) return;
    await this.catalog.record(path, size, known?.size === size ? mergeChecksums(known.checksums, checksums) : checksums);
    this.log.debug(`recorded ${checksums.map((c) => `${c.type}:${c.value}`).join(' ')} for ${url}`);
  }

  lookup(url: string): Promise<RecordedChecksums | undefined> {
    return this.catalog.lookup(localPathOf(url));
  }

  forget(url: string): Promise<void> {
    return this.catalog.remove(localPathOf(url));
  }
}

function mergeChecksums(old: readonly Checksum[], add: readonly Checksum[]): Checksum[] {
  return [...old.filter((o) => !add.some((a) => a.type === o.type)), ...add];
}
