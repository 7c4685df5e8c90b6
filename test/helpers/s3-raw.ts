/**
 * A raw S3 client for tests, outside the mover (to inspect or tamper with what the mover
 * stored), with the settings S3-compatible stores need.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseS3Url } from '../../plugins/mover-s3-objectstore/index.js';

export interface S3Target {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export function rawS3Client(target: S3Target, maxAttempts = 1): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
}

/** Replaces an object's bytes behind the mover's back, keeping its metadata (as corruption would). */
export async function tamperS3(client: S3Client, url: string, bytes: Buffer): Promise<void> {
  const { bucket, key } = parseS3Url(url);
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, Metadata: head.Metadata ?? {} }));
}

/** The stored bytes and metadata of an object. */
export async function readS3(client: S3Client, url: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const { bucket, key } = parseS3Url(url);
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from(await res.Body!.transformToByteArray()), metadata: res.Metadata ?? {} };
}
