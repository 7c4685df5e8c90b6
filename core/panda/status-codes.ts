/**
 * The dispatcher's StatusCode values (panda-server jobdispatcher/Protocol.py,
 * reference/pilot-anchors.md §1.1) and how the pilot treats each.
 */
export const PandaStatus = {
  SUCCESS: 0,
  TIMEOUT: 10,
  NO_JOBS: 20,
  FAILED: 30,
  NON_SECURE: 40,
  INVALID: 50,
  ROLE: 60,
  PERMS: 70,
  MISS_KEY: 80,
  PROXY_ERROR: 90,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0: 'Success', 10: 'TimeOut', 20: 'NoJobs', 30: 'Failed', 40: 'NonSecure',
  50: 'Invalid (bad token)', 60: 'Role', 70: 'Perms', 80: 'MissKey', 90: 'ProxyError',
};

/** `50 (Invalid (bad token))`, for messages. */
export function describeStatus(code: number): string {
  return `${code} (${NAMES[code] ?? 'unknown'})`;
}

/** Authorisation refusals: retrying cannot help (reference §1.1; pilot3 never retries these). */
export const AUTH_STATUSES: ReadonlySet<number> = new Set([50, 60, 70, 80, 90]);

/** The server asks to come back later. */
export function isTransientStatus(code: number): boolean {
  return code === PandaStatus.TIMEOUT;
}
