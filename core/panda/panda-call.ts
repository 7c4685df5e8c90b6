/**
 * One dispatcher command with the client's reliability rules: a deadline per attempt,
 * bounded retries with full-jitter backoff for passing faults (timeouts, resets, 5xx,
 * StatusCode 10), none for refusals (StatusCode 50/60/70/80, HTTP 401/403) or garbage.
 */
import type { ServerSettings } from '../config/pilot-config.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import { backoffDelay, sleep } from '../staging/transfer-service.js';
import { encodeForm, formText, type FormValue } from './form-codec.js';
import { TransportError, type HttpTransport } from './http-transport.js';
import { describeReply, errorDialog, parseReply, type PandaReply } from './reply-parser.js';
import { maskKeyFields, registerBodySecrets } from './reply-secrets.js';

/** The dispatcher's StatusCode values (panda-server jobdispatcher/Protocol.py, reference §1.1). */
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

export interface CallContext {
  readonly transport: HttpTransport;
  readonly server: ServerSettings;
  readonly secrets: SecretRegistry;
  readonly log: Logger;
  readonly random: () => number;
  /** Aborted when the client closes: cuts a backoff sleep short. */
  readonly closing: AbortSignal;
}

/**
 * Posts `fields` to `command` until a reply with a non-transient StatusCode arrives or the
 * retry budget is spent. The reply's credentials are registered as secrets before any log.
 * @throws PilotError COMMUNICATIONFAILURE (1318): recoverable when the budget is spent, not
 *   recoverable for a malformed reply; MISSINGCREDENTIALS (1364) when HTTP/TLS refuses us.
 */
export async function callPanda(ctx: CallContext, command: string, fields: Readonly<Record<string, FormValue>>): Promise<PandaReply> {
  const body = encodeForm(maskedFields(fields, ctx.secrets));
  const attempts = 1 + ctx.server.retries;
  let problem = '';
  for (let n = 0; n < attempts; n++) {
    const started = Date.now();
    try {
      const http = await ctx.transport.post(command, body);
      // parseReply registers the reply's credentials before it judges the body.
      const reply = parseReply(command, http.text, ctx.secrets);
      ctx.log.debug('%s', lazy(() => `${command}(${describeReply(fields, 200)}) -> ${describeReply(reply.fields)} in ${Date.now() - started} ms`));
      if (!isTransientStatus(reply.statusCode)) return reply;
      problem = `StatusCode ${describeStatus(reply.statusCode)}${dialogSuffix(reply, ctx.secrets)}`;
    } catch (err) {
      if (err instanceof PilotError) {
        ctx.log.debug('%s', lazy(() => `${command}: ${err.message}`));
        throw err;
      }
      if (!(err instanceof TransportError)) throw err;
      // An HTTP error page may quote the request or the reply it could not send.
      if (err.body !== undefined) registerBodySecrets(err.body, ctx.secrets);
      if (err.kind === 'auth') {
        throw new PilotError(ErrorCodes.MISSINGCREDENTIALS, `${command}: ${ctx.secrets.mask(err.problem)}`, { recoverable: false, ...safeCause(err) });
      }
      if (err.kind === 'fatal') {
        throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${command}: ${ctx.secrets.mask(err.problem)}`, { recoverable: false, ...safeCause(err) });
      }
      problem = ctx.secrets.mask(err.problem);
    }
    if (n + 1 >= attempts) break;
    const delay = backoffDelay(n, ctx.server.backoffBaseMs, ctx.server.backoffMaxMs, ctx.random);
    ctx.log.warn(`${command}: ${problem}; retry ${n + 1}/${attempts - 1} in ${delay} ms`);
    try {
      await sleep(delay, ctx.closing);
    } catch {
      throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${command}: the PanDA client was closed while waiting to retry`, { recoverable: false });
    }
  }
  throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${command}: ${problem} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`, { recoverable: true });
}

/**
 * Requires StatusCode 0. Refusals (50/60/70/80/90) and NonSecure (40) become `codes.auth`
 * errors (default MISSINGCREDENTIALS), never worth retrying; other codes `codes.other`
 * (default COMMUNICATIONFAILURE), recoverable for 30 (Failed) so the caller may try later.
 */
export function expectSuccess(reply: PandaReply, secrets: SecretRegistry, codes: { auth?: number; other?: number } = {}): void {
  const code = reply.statusCode;
  if (code === PandaStatus.SUCCESS) return;
  const text = `${reply.command}: the PanDA server answered StatusCode ${describeStatus(code)}${dialogSuffix(reply, secrets)}`;
  if (AUTH_STATUSES.has(code) || code === PandaStatus.NON_SECURE) {
    throw new PilotError(codes.auth ?? ErrorCodes.MISSINGCREDENTIALS, text, { recoverable: false });
  }
  throw new PilotError(codes.other ?? ErrorCodes.COMMUNICATIONFAILURE, text, { recoverable: code === PandaStatus.FAILED });
}

function dialogSuffix(reply: PandaReply, secrets: SecretRegistry): string {
  const d = errorDialog(reply);
  return d ? `: ${secrets.mask(maskKeyFields(d)).slice(0, 200)}` : '';
}

/**
 * The transport error as a cause only when it does not quote a reply: an HTTP error's text
 * is masked in the message above, and the cause would carry it unmasked to any inspection.
 */
function safeCause(err: TransportError): { cause?: unknown } {
  return err.body === undefined ? { cause: err } : {};
}

/**
 * The request's fields with every registered secret masked: the pilot never sends a
 * credential to the dispatcher (it authenticates by header or TLS), so a diagnostic that
 * picked one up on its way (an error text, a payload message) does not carry it out.
 */
function maskedFields(fields: Readonly<Record<string, FormValue>>, secrets: SecretRegistry): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = secrets.mask(formText(value));
  return out;
}

/** A value formatted only if the logger really writes the line. */
function lazy(render: () => string): { toString(): string } {
  return { toString: render };
}
