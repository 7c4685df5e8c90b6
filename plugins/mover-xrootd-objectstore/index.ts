export { XrootdMover } from './xrootd-mover.js';
export { XrootdChecksumStore } from './xrootd-checksum-store.js';
export { parseRootUrl, type RootLocation } from './xrootd-url.js';
