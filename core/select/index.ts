export * from './select-movers.js';
export * from './preflight.js';
export * from './select-launcher.js';
