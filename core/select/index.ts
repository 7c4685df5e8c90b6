export * from './select-movers.js';
export * from './preflight.js';
export * from './select-launcher.js';
export * from './checksum-store-for.js';
