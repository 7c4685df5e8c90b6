/**
 * PayloadLauncher `glexec`: runs the payload under the job owner's identity on queues whose
 * `glexec` is `true` or `test` (reference pilot-anchors.md §8; `launcherNameFor` selects it).
 *
 * 1. locate glexec (option `path`, `$GLEXEC_LOCATION/sbin/glexec`, `$OSG_GLEXEC_LOCATION`, `/usr/sbin/glexec`);
 * 2. the user proxy: the job's `userProxy` written 0600 in a private 0700 directory, else
 *    `userProxyPath`, else the pilot's `X509_USER_PROXY`;
 * 3. ping: `glexec /bin/true` with `GLEXEC_CLIENT_CERT` set;
 * 4. sandbox: `mkgltempdir -t 777` when present; glexec copies `GLEXEC_SOURCE_PROXY` to
 *    `GLEXEC_TARGET_PROXY` (`<sandbox>/user_proxy`) owned by the target user, mode 0600;
 * 5. run `glexec /usr/bin/env -i <payload env> X509_USER_PROXY=<target> /bin/sh -c <command>` in the
 *    job's work directory, which is opened to mode 0777 (as pilot1's `-t 777` sandbox) so the
 *    payload's identity can write there and the pilot can still read and remove its outputs;
 * 6. when the payload exits, the target proxy (or sandbox) is removed through glexec and our
 *    copy of the job's proxy is deleted. No GLEXEC_* variable is ever set in the pilot's own
 *    environment, only in the glexec child's.
 * A failed step fails the launch with GLEXEC (1226) in `test` mode; in `true` mode the payload
 * runs through the `direct` launcher instead, with a warning.
 */
import { inject } from '../../core/index.js';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, LoggerToken, PLUGIN_API_VERSION, PayloadLauncher, PilotError, PluginOptions, ResolverToken, SecretsToken, SettingsToken,
  pilotPlugin, shellQuote, type LaunchRequest, type Logger, type PayloadProcess, type PilotSettings, type PluginResolver, type SecretRegistry,
} from '../../core/index.js';
import { cleanEnv, spawnInGroup } from '../launcher-direct/index.js';
import { glexecCandidates, locateGlexec, runTool, type GlexecLocation } from './glexec-tools.js';
import { parseGlexecOptions, type GlexecOptions } from './glexec-options.js';
import { writeUserProxy, type ProxyFile } from './user-proxy.js';

interface Prepared {
  readonly location: GlexecLocation;
  readonly source: string;
  readonly target: string;
  readonly sandbox?: string;
}

@pilotPlugin({
  provides: PayloadLauncher,
  name: 'glexec',
  options: parseGlexecOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'payload under the job owner identity via glExec (queuedata glexec=True|test)',
})
export class GlexecLauncher implements PayloadLauncher {
  /** The pilot's own environment, read once: where glexec is and the pilot's proxy. */
  private readonly pilotEnv: Readonly<Record<string, string | undefined>>;

  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(PluginOptions) private readonly options: GlexecOptions,
    @inject(SettingsToken) private readonly settings: PilotSettings,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(ResolverToken) private readonly resolver: PluginResolver,
  ) {
    const e = process.env;
    this.pilotEnv = Object.freeze({ GLEXEC_LOCATION: e['GLEXEC_LOCATION'], OSG_GLEXEC_LOCATION: e['OSG_GLEXEC_LOCATION'], X509_USER_PROXY: e['X509_USER_PROXY'], PATH: e['PATH'] });
  }

  /**
   * @throws PilotError GLEXEC (1226) in `test` mode when glexec is missing, its ping fails or the
   *   sandbox cannot be made; PAYLOADEXECUTIONFAILURE (1305) when the payload cannot be started.
   */
  async launch(request: LaunchRequest): Promise<PayloadProcess> {
    const mode = this.settings.queue.glexec;
    if (mode === 'false') return this.direct(request);
    this.secrets.register(request.userProxy);
    const written = request.userProxy ? await writeUserProxy(request.userProxy) : undefined;
    let prepared: Prepared | string;
    try {
      prepared = await this.prepare(request, written?.path);
    } catch (err) {
      prepared = (err as Error).message;
    }
    if (typeof prepared === 'string') {
      await written?.remove();
      if (mode === 'test') throw new PilotError(ErrorCodes.GLEXEC, `glexec (test mode): ${prepared}`, { recoverable: false });
      this.log.warn(`glexec unusable (${prepared}); running the payload directly as the pilot's user`);
      return this.direct(request);
    }
    return this.run(request, prepared, written);
  }

  private async prepare(request: LaunchRequest, writtenProxy: string | undefined): Promise<Prepared | string> {
    const candidates = glexecCandidates(this.options.path, this.pilotEnv);
    const location = await locateGlexec(candidates, this.options.mkgltempdir);
    if (!location) return `glexec not found (looked at ${candidates.join(', ')})`;
    const source = writtenProxy ?? request.userProxyPath ?? this.pilotEnv['X509_USER_PROXY'];
    if (!source) return 'no user proxy to hand over (job userProxy, LaunchRequest.userProxyPath or X509_USER_PROXY)';
    const ping = await runTool(location.glexec, ['/bin/true'], { ...this.baseEnv(request), GLEXEC_CLIENT_CERT: source }, this.options.timeoutMs);
    if (!ping.ok) return `ping "${location.glexec} /bin/true" failed: ${ping.detail}`;
    let sandbox: string | undefined;
    if (location.mkgltempdir) {
      const mk = await runTool(location.mkgltempdir, ['-t', '777'], { ...this.baseEnv(request), GLEXEC_CLIENT_CERT: source, GLEXEC_SOURCE_PROXY: source }, this.options.timeoutMs);
      sandbox = mk.stdout.trim().split('\n').at(-1)?.trim();
      if (!mk.ok || !sandbox?.startsWith('/')) return `mkgltempdir failed: ${mk.ok ? `printed ${JSON.stringify(mk.stdout.slice(0, 200))}, expected a directory` : mk.detail}`;
    }
    await chmod(request.cwd, 0o777);
    const target = join(sandbox ?? request.cwd, 'user_proxy');
    this.log.info(`glexec ${location.glexec} ready${sandbox ? `, sandbox ${sandbox}` : ' (no mkgltempdir: proxy goes to the work directory)'}`);
    return { location, source, target, ...(sandbox ? { sandbox } : {}) };
  }

  private async run(request: LaunchRequest, p: Prepared, written: ProxyFile | undefined): Promise<PayloadProcess> {
    const payloadEnv = { ...cleanEnv(request.env, this.secrets, this.log), X509_USER_PROXY: p.target };
    const assignments = Object.entries(payloadEnv).map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ');
    const command = `exec ${shellQuote(p.location.glexec)} /usr/bin/env -i ${assignments} /bin/sh -c ${shellQuote(request.command)}`;
    const glexecEnv = this.glexecEnv(request, p);
    let proc: PayloadProcess;
    try {
      proc = await spawnInGroup({ command, cwd: request.cwd, env: glexecEnv, stdoutPath: request.stdoutPath, stderrPath: request.stderrPath });
    } catch (err) {
      await this.cleanup(p, glexecEnv, written);
      throw err;
    }
    this.log.info(`payload started through glexec as pid ${proc.pid} in ${request.cwd}`);
    const exit = proc.exit.then(async (e) => {
      await this.cleanup(p, glexecEnv, written);
      return e;
    });
    return { pid: proc.pid, exit, kill: (signal) => proc.kill(signal) };
  }

  /** Removes the handed-over proxy (as its owner, through glexec) and our copy. Never throws. */
  private async cleanup(p: Prepared, env: Record<string, string>, written: ProxyFile | undefined): Promise<void> {
    const rm = await runTool(p.location.glexec, ['/bin/rm', '-rf', p.sandbox ?? p.target], env, this.options.timeoutMs);
    if (!rm.ok) this.log.warn(`could not remove ${p.sandbox ?? p.target} through glexec: ${rm.detail}`);
    await written?.remove().catch((err: Error) => this.log.warn(`could not remove the job proxy copy: ${err.message}`));
  }

  private glexecEnv(request: LaunchRequest, p: Prepared): Record<string, string> {
    return {
      ...this.baseEnv(request),
      GLEXEC_CLIENT_CERT: p.source,
      GLEXEC_SOURCE_PROXY: p.source,
      GLEXEC_TARGET_PROXY: p.target,
      ...(p.sandbox ? { GLEXEC_TARGET_DIR: p.sandbox } : {}),
    };
  }

  private baseEnv(request: LaunchRequest): Record<string, string> {
    return { PATH: request.env['PATH'] ?? this.pilotEnv['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  }

  private direct(request: LaunchRequest): Promise<PayloadProcess> {
    const { userProxy: _drop, ...rest } = request;
    return this.resolver.get<PayloadLauncher>(PayloadLauncher, 'direct').launch(rest);
  }
}
