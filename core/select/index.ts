export * from './select-movers.js';
export * from './preflight.js';
