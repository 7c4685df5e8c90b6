export { S3Mover } from './s3-mover.js';
export { S3ChecksumStore } from './s3-checksum-store.js';
export { s3ClientConfig, s3Agents } from './s3-clients.js';
export { parseS3Options, S3_DEFAULTS, type S3MoverOptions } from './s3-options.js';
export { parseS3Url, type S3Location } from './s3-url.js';
