/**
 * Where an S3 endpoint's keys come from, in order:
 * 1. `pluginOptions["s3-objectstore"].credentials` (local use: values or key files);
 * 2. PanDA getKeyPair with the key names of the queue's storage endpoint for that host
 *    (CRIC `access_key` / `secret_key`), else the legacy `os_access_key` / `os_secret_key`.
 * Keys are fetched once per run (one job), held only in memory, shared by concurrent callers,
 * and registered as secrets before anyone sees them.
 */
import { readFile } from 'node:fs/promises';
import {
  ErrorCodes, PandaApi, PilotError, type KeyPair, type Logger, type PluginResolver, type QueueData, type SecretRegistry,
} from '../../core/index.js';
import type { S3CredentialOptions, S3MoverOptions } from './s3-options.js';
import { authorityOf, type S3Location } from './s3-url.js';

export interface S3Access {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly secure: boolean;
  /** Where the keys came from, for messages: `pluginOptions`, `getKeyPair(<names>)`. */
  readonly source: string;
}

interface KeyNames {
  readonly publicKeyName: string;
  readonly privateKeyName: string;
  readonly secure?: boolean;
}

export class S3CredentialSource {
  private readonly pairs = new Map<string, Promise<KeyPair>>();
  private fromFiles: Promise<KeyPair> | undefined;

  constructor(
    private readonly options: S3MoverOptions,
    private readonly queue: QueueData,
    private readonly resolver: PluginResolver,
    private readonly secrets: SecretRegistry,
    private readonly log: Logger,
  ) {
    secrets.register(options.credentials?.accessKey);
    secrets.register(options.credentials?.secretKey);
  }

  /**
   * @throws PilotError GETKEYPAIR (1222) when no source has keys for the endpoint or PanDA
   *   refuses them; MISSINGCREDENTIALS (1364) when a configured key file cannot be read.
   */
  async access(loc: S3Location): Promise<S3Access> {
    const configured = this.options.credentials;
    if (configured) {
      const pair = await (this.fromFiles ??= this.readConfigured(configured).catch((err) => { this.fromFiles = undefined; throw err; }));
      return { accessKeyId: pair.publicKey, secretAccessKey: pair.privateKey, secure: this.options.secure ?? false, source: 'pluginOptions' };
    }
    const names = this.keyNamesFor(loc);
    if (!names) {
      throw new PilotError(ErrorCodes.GETKEYPAIR, `no S3 keys for ${authorityOf(loc)}: set access_key/secret_key on its ddmendpoint, os_access_key/os_secret_key in queuedata, or pluginOptions["s3-objectstore"].credentials`, { recoverable: false });
    }
    const pair = await this.keyPair(names);
    return {
      accessKeyId: pair.publicKey,
      secretAccessKey: pair.privateKey,
      secure: this.options.secure ?? names.secure ?? false,
      source: `getKeyPair(${names.publicKeyName}, ${names.privateKeyName})`,
    };
  }

  /** Drops cached keys after an authentication failure, so a rotated key is fetched next time. */
  forget(): void {
    this.pairs.clear();
    this.fromFiles = undefined;
  }

  private keyNamesFor(loc: S3Location): KeyNames | undefined {
    const here = authorityOf(loc);
    const candidates = Object.values(this.queue.storages).filter((s) => s.accessKeyName && s.secretKeyName && storageAuthority(s.url) === here);
    // Prefer the endpoint of the same bucket when several share a host.
    const best = candidates.find((s) => storageBucket(s.url) === loc.bucket) ?? candidates[0];
    if (best) return { publicKeyName: best.accessKeyName!, privateKeyName: best.secretKeyName!, ...(best.secure !== undefined ? { secure: best.secure } : {}) };
    const legacy = this.queue.objectstoreKeys;
    if (legacy) return { publicKeyName: legacy.accessKeyName, privateKeyName: legacy.secretKeyName, secure: legacy.secure };
    return undefined;
  }

  private keyPair(names: KeyNames): Promise<KeyPair> {
    const id = `${names.publicKeyName}\0${names.privateKeyName}`;
    let pending = this.pairs.get(id);
    if (!pending) {
      pending = this.fetch(names);
      this.pairs.set(id, pending);
      pending.catch(() => this.pairs.delete(id));
    }
    return pending;
  }

  private async fetch(names: KeyNames): Promise<KeyPair> {
    const panda = this.resolver.valueIfProvided<PandaApi>(PandaApi);
    if (!panda) {
      throw new PilotError(ErrorCodes.GETKEYPAIR, `S3 key pair ${names.publicKeyName}/${names.privateKeyName} is needed, but this run has no PanDA client; for local use set pluginOptions["s3-objectstore"].credentials`, { recoverable: false });
    }
    let pair: KeyPair;
    try {
      pair = await panda.getKeyPair(names.publicKeyName, names.privateKeyName);
    } catch (err) {
      const recoverable = err instanceof PilotError ? err.recoverable : true;
      throw new PilotError(ErrorCodes.GETKEYPAIR, `getKeyPair(${names.publicKeyName}, ${names.privateKeyName}) failed: ${(err as Error).message}`, { recoverable, cause: err });
    }
    if (!pair?.publicKey || !pair?.privateKey) {
      throw new PilotError(ErrorCodes.GETKEYPAIR, `getKeyPair(${names.publicKeyName}, ${names.privateKeyName}) returned no keys`, { recoverable: false });
    }
    this.secrets.register(pair.publicKey);
    this.secrets.register(pair.privateKey);
    this.log.info(`S3 keys ${names.publicKeyName}/${names.privateKeyName} obtained from PanDA`);
    return pair;
  }

  private async readConfigured(c: S3CredentialOptions): Promise<KeyPair> {
    const publicKey = c.accessKey ?? (await this.readKeyFile(c.accessKeyFile!, 'accessKeyFile'));
    const privateKey = c.secretKey ?? (await this.readKeyFile(c.secretKeyFile!, 'secretKeyFile'));
    return { publicKey, privateKey };
  }

  private async readKeyFile(path: string, field: string): Promise<string> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new PilotError(ErrorCodes.MISSINGCREDENTIALS, `pluginOptions["s3-objectstore"].credentials.${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { recoverable: false });
    }
    const value = text.split(/\r?\n/)[0]!.trim();
    if (!value) throw new PilotError(ErrorCodes.MISSINGCREDENTIALS, `pluginOptions["s3-objectstore"].credentials.${field}: ${path} is empty`, { recoverable: false });
    this.secrets.register(value);
    return value;
  }
}

/** `host:port` of an `s3://` storage URL (which may name no bucket), else undefined. */
function storageAuthority(url: string): string | undefined {
  return /^s3:\/\/([^/?#]+)/i.exec(url)?.[1];
}

/** The first path component of an `s3://` storage URL (its bucket), if any. */
function storageBucket(url: string): string | undefined {
  return /^s3:\/\/[^/?#]+\/+([^/?#]+)/i.exec(url)?.[1];
}
