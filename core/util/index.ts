export * from './shell-quote.js';
