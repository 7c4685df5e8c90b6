/**
 * Turns a dispatcher reply body into fields and a StatusCode. The server answers JSON when
 * asked (`Accept: application/json`, PS-2024) and a form otherwise (PS-2015); the pilot
 * accepts either, whatever the Content-Type claims, as pilot1's parseDispatcherResponse did.
 */
import { ConfigError, describeValue } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { isPlainObject } from '../config/field-reader.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import { decodeForm } from './form-codec.js';
import { SECRET_REPLY_FIELDS, maskKeyFields, registerBodySecrets, registerParsedSecrets, replyExcerpt } from './reply-secrets.js';

/** A parsed reply: its StatusCode and every field as sent. */
export interface PandaReply {
  readonly command: string;
  readonly statusCode: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly encoding: 'json' | 'form';
}

/** A reply that cannot be what the server meant: retrying the same call will not fix it. */
export function malformedReply(command: string, problem: string): PilotError {
  return new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${command}: malformed reply from the PanDA server: ${problem}`, { recoverable: false });
}

/**
 * Every credential the body may carry is registered with `secrets` first, whatever the
 * body's shape; messages show only a bounded, masked excerpt of it (reply-secrets.ts).
 * @throws PilotError COMMUNICATIONFAILURE (not recoverable) for an empty body, an HTML page,
 *   invalid JSON, or a reply without an integer StatusCode.
 */
export function parseReply(command: string, text: string, secrets?: SecretRegistry): PandaReply {
  if (secrets) registerBodySecrets(text, secrets);
  const body = text.trim();
  if (!body) throw malformedReply(command, 'an empty body');
  if (body.startsWith('<')) throw malformedReply(command, `an HTML page instead of a reply (${htmlSummary(body, secrets)})`);
  let fields: Record<string, unknown>;
  let encoding: PandaReply['encoding'];
  if (body.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // The engine's message quotes the body; the excerpt is masked instead.
      throw malformedReply(command, `invalid JSON (${replyExcerpt(body, secrets)})`);
    }
    if (!isPlainObject(parsed)) throw malformedReply(command, `expected a JSON object, got ${describeValue(parsed)}`);
    fields = parsed;
    encoding = 'json';
  } else {
    fields = decodeForm(body);
    encoding = 'form';
  }
  if (secrets) registerParsedSecrets(fields, secrets);
  const raw = fields['StatusCode'];
  if (raw === undefined || raw === null || raw === '') {
    throw malformedReply(command, `no StatusCode (got ${replyExcerpt(body, secrets)})`);
  }
  const statusCode = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d{1,9}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(statusCode)) {
    throw malformedReply(command, `StatusCode is not an integer: ${typeof raw === 'string' ? replyExcerpt(raw, secrets, 40) : describeValue(raw)}`);
  }
  return { command, statusCode, fields, encoding };
}

/**
 * A field that holds a list or object: given as such (JSON replies) or as JSON text inside
 * a form reply. `pythonLiterals` also accepts `True`/`False`/`None` (a Python repr).
 * @throws ConfigError CONVERSIONFAILURE (1302) naming `<command>.<key>` when it is neither.
 */
export function structuredField(command: string, fields: Readonly<Record<string, unknown>>, key: string, expected: string, pythonLiterals = false): unknown {
  const value = fields[key];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    if (pythonLiterals) {
      try {
        return JSON.parse(value.replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null').replace(/'/g, '"'));
      } catch { /* reported below */ }
    }
    const got = SECRET_REPLY_FIELDS.has(key) ? 'a value (not shown: a credential field)' : replyExcerpt(value, undefined, 60);
    throw new ConfigError([{ path: `${command}.${key}`, expected, got }], ErrorCodes.CONVERSIONFAILURE, `${command}: bad reply`);
  }
}

/** The `errorDialog` text of a reply, if any. */
export function errorDialog(reply: PandaReply): string {
  const d = reply.fields['errorDialog'];
  return typeof d === 'string' && d.trim() ? d.trim() : '';
}

/**
 * A short one-line view of a reply for debug logs: credentials replaced by `********`,
 * long values cut, lists shown by their length.
 */
export function describeReply(fields: Readonly<Record<string, unknown>>, max = 300): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    let text: string;
    if (SECRET_REPLY_FIELDS.has(key) && value !== undefined && value !== null && value !== '') text = '********';
    else if (Array.isArray(value)) text = `[${value.length} items]`;
    else if (typeof value === 'object' && value !== null) text = maskKeyFields(JSON.stringify(value));
    else text = String(value);
    parts.push(`${key}=${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
  }
  const line = parts.join(' ');
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

function htmlSummary(html: string, secrets: SecretRegistry | undefined): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  if (title) return `title ${replyExcerpt(title, secrets)}`;
  const text = html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text ? replyExcerpt(text, secrets) : 'no text';
}
