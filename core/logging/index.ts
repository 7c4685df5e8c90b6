export * from './logger.js';
export * from './secret-registry.js';
