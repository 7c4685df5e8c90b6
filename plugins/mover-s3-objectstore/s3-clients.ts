/**
 * One S3 client per endpoint and key per run, with keep-alive sockets, created on first use
 * (the SDK is imported only then) and destroyed by `dispose()`.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3MoverOptions } from './s3-options.js';

export interface ClientSettings {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The client configuration the mover uses (exported so benchmarks can build a raw client with
 * exactly the same settings). Checksums only when the operation requires them: S3-compatible
 * stores (Swift, Ceph RGW, ...) reject or mangle the SDK's default aws-chunked CRC32 uploads.
 */
export function s3ClientConfig(options: S3MoverOptions, settings: ClientSettings, agents: { http: HttpAgent; https: HttpsAgent }): S3ClientConfig {
  return {
    endpoint: settings.endpoint,
    region: options.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Without this the SDK only logs a warning and the request hangs on.
      throwOnRequestTimeout: true,
      httpAgent: agents.http,
      httpsAgent: agents.https,
    },
  };
}

/** Keep-alive agents sized for the mover's concurrency. */
export function s3Agents(options: S3MoverOptions): { http: HttpAgent; https: HttpsAgent } {
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
}

interface PooledClient {
  readonly client: S3Client;
  readonly agents: { http: HttpAgent; https: HttpsAgent };
}

export class S3ClientPool {
  private readonly clients = new Map<string, Promise<PooledClient>>();

  constructor(private readonly options: S3MoverOptions) {}

  /** The client for an endpoint and key, created once. */
  async get(settings: ClientSettings): Promise<S3Client> {
    const id = `${settings.endpoint}\0${settings.accessKeyId}\0${settings.secretAccessKey}`;
    let pooled = this.clients.get(id);
    if (!pooled) {
      pooled = this.create(settings);
      this.clients.set(id, pooled);
      pooled.catch(() => this.clients.delete(id));
    }
    return (await pooled).client;
  }

  /** Closes every client and its sockets. */
  async dispose(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const p of all) {
      const pooled = await p.catch(() => undefined);
      if (!pooled) continue;
      pooled.client.destroy();
      pooled.agents.http.destroy();
      pooled.agents.https.destroy();
    }
  }

  private async create(settings: ClientSettings): Promise<PooledClient> {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const agents = s3Agents(this.options);
    return { client: new S3Client(s3ClientConfig(this.options, settings, agents)), agents };
  }
}
