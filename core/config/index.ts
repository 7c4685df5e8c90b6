export * from './field-reader.js';
export * from './objectstore-string.js';
export * from './queuedata.js';
export * from './pilot-config.js';
export * from './config-layers.js';
