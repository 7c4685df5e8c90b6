export { LocalMover } from './local-mover.js';
export { LocalChecksumStore } from './local-checksum-store.js';
