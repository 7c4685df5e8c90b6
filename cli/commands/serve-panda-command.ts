import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, SecretRegistry, createLogger, type LogLevel } from '../../core/index.js';
import { SERVER_PROFILES, startDispatcher, type ReplyEncoding, type ServerProfile } from '../../plugins/panda-local/index.js';

interface ServeFlags {
  readonly task?: string;
  readonly port: string;
  readonly state?: string;
  readonly keys?: string;
  readonly tokenFile?: string;
  readonly encoding: string;
  readonly profile: string;
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly logLevel: string;
}

/**
 * `espilot serve-panda`: the embedded PanDA dispatcher as a standalone server. Prints the URL
 * it listens on (first line of stdout) and serves until SIGINT or SIGTERM.
 */
export function registerServePandaCommand(program: Command): void {
  program
    .command('serve-panda')
    .description('serve a task over the PanDA dispatcher protocol on 127.0.0.1 (default: the built-in demo task)')
    .option('--task <task.json>', 'task file (default: config/demo-task.json, or the task of --state)')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--state <file>', 'state file: the task survives restarts (a journal <file>.journal is kept beside it)')
    .option('--keys <dir>', 'folder of key files served by getKeyPair')
    .option('--token-file <file>', 'require the bearer token held in this file on every request')
    .option('--encoding <mode>', 'replies: auto (JSON when asked), form or json', 'auto')
    .option('--profile <generation>', 'panda-server generation whose parameter names are accepted: ps-2024 or ps-2015', 'ps-2024')
    .option('--cert <pem>', 'serve HTTPS with this certificate (needs --key)')
    .option('--key <pem>', 'private key of --cert')
    .option('--ca <pem>', 'require client certificates signed by this CA')
    .option('--log-level <level>', 'silent, error, warn, info, debug', 'info')
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      const issues = [];
      if (!Number.isInteger(port) || port < 0 || port > 65535) issues.push({ path: '--port', expected: 'a port from 0 to 65535', got: JSON.stringify(flags.port) });
      if (!['auto', 'form', 'json'].includes(flags.encoding)) issues.push({ path: '--encoding', expected: 'auto, form or json', got: JSON.stringify(flags.encoding) });
      if (!(SERVER_PROFILES as readonly string[]).includes(flags.profile)) issues.push({ path: '--profile', expected: SERVER_PROFILES.join(' or '), got: JSON.stringify(flags.profile) });
      if (!['silent', 'error', 'warn', 'info', 'debug'].includes(flags.logLevel)) issues.push({ path: '--log-level', expected: 'silent, error, warn, info or debug', got: JSON.stringify(flags.logLevel) });
      if (Boolean(flags.cert) !== Boolean(flags.key)) issues.push({ path: flags.cert ? '--key' : '--cert', expected: 'both --cert and --key', got: 'only one' });
      if (issues.length) throw new ConfigError(issues, undefined, 'serve-panda');
      const secrets = new SecretRegistry();
      const logger = createLogger({ secrets, level: flags.logLevel as LogLevel });
      const handle = await startDispatcher({
        port,
        encoding: flags.encoding as ReplyEncoding,
        profile: flags.profile as ServerProfile,
        secrets,
        logger,
        ...(flags.task ? { task: flags.task } : {}),
        ...(flags.state ? { statePath: flags.state } : {}),
        ...(flags.keys ? { keysDir: flags.keys } : {}),
        ...(flags.tokenFile ? { tokenFile: flags.tokenFile } : {}),
        ...(flags.cert && flags.key
          ? { tls: { cert: readFileSync(flags.cert, 'utf8'), key: readFileSync(flags.key, 'utf8'), ...(flags.ca ? { ca: readFileSync(flags.ca, 'utf8') } : {}) } }
          : {}),
      });
      // Signal handlers first: a reader may stop us as soon as it sees the URL.
      const stopped = new Promise<string>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      const s = handle.snapshot();
      // One write, so a reader sees both lines together.
      process.stdout.write(`espilot serve-panda listening on ${handle.url}\n` +
        `task ${s.task.taskId} (${s.task.eventService ? 'Event Service' : 'normal'}): ${s.ranges.length} ranges, ${s.jobs.length} jobs, status ${s.task.status}${handle.restored ? ' (restored)' : ''}\n`);
      logger.info(`${await stopped}: stopping`);
      await handle.stop();
    });
}
