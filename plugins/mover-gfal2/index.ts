export { Gfal2Mover } from './gfal2-mover.js';
