export { RunJobEvent, parseRunJobEventOptions, type RunJobEventOptions } from './runjob-event.js';
export { LocalPayloadSeams } from './local-payload-seams.js';
