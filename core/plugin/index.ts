export * from './plugin-descriptor.js';
export * from './pilot-plugin.js';
export * from './plugin-registry.js';
export * from './plugin-loader.js';
export * from './plugin-resolver.js';
export * from './plugin-options.js';
export * from './inject.js';
