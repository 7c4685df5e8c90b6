export * from './preflight.js';
export * from './select-launcher.js';
