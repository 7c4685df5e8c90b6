export { RucioMover } from './rucio-mover.js';
