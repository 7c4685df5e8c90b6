/**
 * The PanDA dispatcher client: the PandaApi contract over HTTP(S), talking to a real PanDA
 * server or to the embedded dispatcher alike (reference/pilot-anchors.md §1–§2).
 */
import type { ServerProfile, ServerSettings } from '../config/pilot-config.js';
import type { EventRange } from '../contracts/event-range.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import type {
  EventRangeUpdate, EventRangeUpdateResult, GetJobRequest, JobUpdate, KeyPair, PandaApi, ServerCommand,
} from '../contracts/panda-api.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import { parseEventRanges } from './event-range-parser.js';
import type { FormValue } from './form-codec.js';
import { HttpTransport } from './http-transport.js';
import { parseJobDefinition } from './job-definition-parser.js';
import { loadPandaAuth } from './panda-auth.js';
import { PandaStatus, callPanda, expectSuccess, type CallContext } from './panda-call.js';
import { malformedReply, structuredField, type PandaReply } from './reply-parser.js';
import { commandList, getEventRangesForm, getJobForm, jobUpdateForm, rangeUpdateList, singleRangeForm } from './request-forms.js';

export interface PandaClientOptions {
  /** `PilotSettings.pilot.server`; `url` is required (or `PANDA_SERVER_URL` in `env`). */
  readonly server: ServerSettings;
  readonly secrets: SecretRegistry;
  readonly logger?: Logger;
  /** Where X509_*, PANDA_AUTH_* / OIDC_AUTH_* and PANDA_SERVER_URL are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Jitter source in [0, 1) for the backoff; default Math.random. */
  readonly random?: () => number;
  readonly userAgent?: string;
}

/**
 * Implements PandaApi; see the contract for the error rules. Also offers `updateEventRange`
 * (the single-range command of servers before bulk updates) and `call` for other commands.
 * The server profile (`server.profile`) picks the parameter sets: for `ps-2015`,
 * `updateEventRanges` goes out as one `updateEventRange` per range and getEventRanges
 * carries no `taskID`.
 * One client per run: it holds a keep-alive connection pool until `close()`.
 */
export class PandaClient implements PandaApi {
  private readonly ctx: CallContext;
  private readonly transport: HttpTransport;
  private readonly closing = new AbortController();
  private readonly profile: ServerProfile;
  /** The server base URL in use. */
  readonly url: string;

  /**
   * @throws ConfigError when no server URL is configured; PilotError NOPROXY /
   *   MISSINGCREDENTIALS when the configured credentials cannot be read.
   */
  constructor(options: PandaClientOptions) {
    const env = options.env ?? process.env;
    const url = options.server.url ?? env['PANDA_SERVER_URL'];
    if (!url) throw new ConfigError([{ path: 'config.server.url', expected: 'the PanDA server URL (or PANDA_SERVER_URL)', got: 'nothing' }]);
    const log = (options.logger ?? silentLogger).child('panda');
    const auth = loadPandaAuth(options.server, env, options.secrets);
    this.url = url;
    this.profile = options.server.profile;
    this.transport = new HttpTransport({
      baseUrl: url,
      connectTimeoutMs: options.server.connectTimeoutMs,
      requestTimeoutMs: options.server.requestTimeoutMs,
      auth,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    this.ctx = {
      transport: this.transport, server: options.server, secrets: options.secrets, log,
      random: options.random ?? Math.random, closing: this.closing.signal,
    };
    log.debug(`PanDA server ${url} (${auth.description})`);
  }

  /** A client for a run's server settings, secrets and logger. */
  static fromRun(run: { readonly settings: { readonly pilot: { readonly server: ServerSettings } }; readonly secrets: SecretRegistry; readonly logger: Logger }, env?: NodeJS.ProcessEnv): PandaClient {
    return new PandaClient({ server: run.settings.pilot.server, secrets: run.secrets, logger: run.logger, ...(env ? { env } : {}) });
  }

  /** Any dispatcher command, with retries; the caller checks the StatusCode. */
  call(command: string, fields: Readonly<Record<string, FormValue>>): Promise<PandaReply> {
    return callPanda(this.ctx, command, fields);
  }

  async getJob(request: GetJobRequest): Promise<JobDefinition | undefined> {
    const reply = await this.call('getJob', getJobForm(request, this.profile));
    if (reply.statusCode === PandaStatus.NO_JOBS) return undefined;
    expectSuccess(reply, this.ctx.secrets);
    return parseJobDefinition(reply.fields);
  }

  async updateJob(update: JobUpdate): Promise<readonly ServerCommand[]> {
    const reply = await this.call('updateJob', jobUpdateForm(update, this.profile));
    expectSuccess(reply, this.ctx.secrets);
    return commandList(reply.fields['command'] ?? reply.fields['Command']);
  }

  async getEventRanges(request: { pandaId: string; jobsetId?: string; taskId?: string; nRanges: number }): Promise<readonly EventRange[]> {
    const reply = await this.call('getEventRanges', getEventRangesForm(request, this.profile));
    expectSuccess(reply, this.ctx.secrets);
    const value = structuredField('getEventRanges', reply.fields, 'eventRanges', 'a JSON list of event ranges');
    return parseEventRanges(value, 'getEventRanges.eventRanges');
  }

  async updateEventRanges(updates: readonly EventRangeUpdate[], pandaId?: string): Promise<EventRangeUpdateResult> {
    if (updates.length === 0) return { results: [], commands: [] };
    if (this.profile === 'ps-2015') return this.oneByOne(updates, pandaId);
    const { version, eventRanges } = rangeUpdateList(updates);
    const reply = await this.call('updateEventRanges', { eventRanges: JSON.stringify(eventRanges), version, pandaID: pandaId });
    expectSuccess(reply, this.ctx.secrets);
    const returns = structuredField('updateEventRanges', reply.fields, 'Returns', 'a JSON list of true/false/null', true);
    if (!Array.isArray(returns)) throw malformedReply('updateEventRanges', `Returns is not a list (${returns === undefined ? 'missing' : typeof returns})`);
    if (returns.length !== updates.length) {
      // A short list means the server stopped part way; unanswered entries count as not applied.
      this.ctx.log.warn(`updateEventRanges: ${returns.length} results for ${updates.length} ranges; the rest count as not applied`);
    }
    const results = updates.map((_u, i) => toResult(returns[i]));
    return { results, commands: this.commandsFor(reply, pandaId) };
  }

  /**
   * The single-range update of servers before bulk updates (pilot1 59i). StatusCode 30 is the
   * server's "not applied" and comes back as `results: [false]`.
   */
  async updateEventRange(update: EventRangeUpdate, pandaId?: string): Promise<EventRangeUpdateResult> {
    const reply = await this.call('updateEventRange', singleRangeForm(update, pandaId, this.profile));
    if (reply.statusCode === PandaStatus.FAILED) return { results: [false], commands: this.commandsFor(reply, pandaId) };
    expectSuccess(reply, this.ctx.secrets);
    return { results: [true], commands: this.commandsFor(reply, pandaId) };
  }

  async getKeyPair(publicKeyName: string, privateKeyName: string): Promise<KeyPair> {
    const reply = await this.call('getKeyPair', { publicKeyName, privateKeyName });
    expectSuccess(reply, this.ctx.secrets, { auth: ErrorCodes.GETKEYPAIR, other: ErrorCodes.GETKEYPAIR });
    const publicKey = reply.fields['publicKey'];
    const privateKey = reply.fields['privateKey'];
    if (typeof publicKey !== 'string' || !publicKey || typeof privateKey !== 'string' || !privateKey) {
      throw malformedReply('getKeyPair', `no ${typeof publicKey !== 'string' || !publicKey ? 'publicKey' : 'privateKey'} for ${publicKeyName}/${privateKeyName}`);
    }
    return Object.freeze({ publicKey, privateKey });
  }

  /** Aborts calls in flight and pending retries, and closes the connections. */
  close(): void {
    this.closing.abort();
    this.transport.close();
  }

  /** A server without bulk updates: one updateEventRange per range, in order. */
  private async oneByOne(updates: readonly EventRangeUpdate[], pandaId: string | undefined): Promise<EventRangeUpdateResult> {
    const results: (boolean | null)[] = [];
    const commands: string[] = [];
    for (const u of updates) {
      const r = await this.updateEventRange(u, pandaId);
      results.push(...r.results);
      for (const c of r.commands) if (!commands.includes(c)) commands.push(c);
    }
    return { results, commands };
  }

  private commandsFor(reply: PandaReply, pandaId: string | undefined): string[] {
    const raw = reply.fields['Command'] ?? reply.fields['command'];
    // A form reply carries a map as JSON text, a single command as plain text.
    const value = typeof raw === 'string' && /^\s*[[{]/.test(raw)
      ? structuredField(reply.command, reply.fields, reply.fields['Command'] !== undefined ? 'Command' : 'command', 'a JSON map of PandaID to command')
      : raw;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const map = value as Record<string, unknown>;
      return pandaId !== undefined ? commandList(map[pandaId]) : Object.values(map).flatMap(commandList);
    }
    return commandList(value);
  }
}

function toResult(v: unknown): boolean | null {
  if (v === true || v === 'True' || v === 'true' || v === 1) return true;
  if (v === null || v === 'None' || v === 'null') return null;
  return false;
}
