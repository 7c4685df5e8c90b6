export * from './select-movers.js';
export * from './bind-destination.js';
export * from './bind-job.js';
export * from './binding-description.js';
export * from './queue-destinations.js';
export * from './rucio-path.js';
