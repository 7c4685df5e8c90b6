/**
 * espilot's public surface: the only module plugins import.
 */
import 'reflect-metadata';

export * from './api-version.js';
export * from './contracts/index.js';
export * from './errors/index.js';
export * from './logging/index.js';
export * from './staging/index.js';
export * from './config/index.js';
export * from './plugin/index.js';
export * from './binding/index.js';
export * from './select/index.js';
export * from './state/index.js';
export * from './runtime/index.js';
export * from './util/index.js';
export * from './panda/index.js';
export * from './eventservice/index.js';
export * from './report/index.js';
