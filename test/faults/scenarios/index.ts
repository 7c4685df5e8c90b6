/** R1–R12 in order (performance-reliability.md §9). */
import type { Scenario } from '../scenario.js';
import { R1 } from './r01-pilot-kill.js';
import { R2 } from './r02-payload-crash.js';
import { R3 } from './r03-s3-faults.js';
import { R4 } from './r04-silent-corruption.js';
import { R5 } from './r05-multipart-kill.js';
import { R6 } from './r06-update-faults.js';
import { R7 } from './r07-fetch-faults.js';
import { R8 } from './r08-protocol-abuse.js';
import { R9 } from './r09-two-pilots.js';
import { R10 } from './r10-stop-requests.js';
import { R11 } from './r11-secrets-canary.js';
import { R12 } from './r12-disk-full.js';

export const SCENARIOS: readonly Scenario[] = [R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12];
