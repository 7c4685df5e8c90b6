import { inject } from 'tsyringe';
import { ChecksumStore, PLUGIN_API_VERSION, pilotPlugin, LoggerToken, type Checksum, type Logger, type RecordedChecksums } from '../../core/index.js';
import { LocalChecksumCatalog, localPathOf } from './local-checksum-catalog.js';

/** ChecksumStore for `file://` stores: the catalog beside the objects. */
@pilotPlugin({ provides: ChecksumStore, name: 'local', schemes: ['file'], apiVersion: PLUGIN_API_VERSION, description: 'checksum catalog beside file:// objects' })
export class LocalChecksumStore implements ChecksumStore {
  private readonly catalog = new LocalChecksumCatalog();

  constructor(@inject(LoggerToken) private readonly log: Logger) {}

  async record(url: string, size: number, checksums: readonly Checksum[]): Promise<void> {
    await this.catalog.record(localPathOf(url), size, checksums);
    this.log.debug(`recorded ${checksums.map((c) => `${c.type}:${c.value}`).join(' ')} for ${url}`);
  }

  lookup(url: string): Promise<RecordedChecksums | undefined> {
    return this.catalog.lookup(localPathOf(url));
  }

  forget(url: string): Promise<void> {
    return this.catalog.remove(localPathOf(url));
  }
}
