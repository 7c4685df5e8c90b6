import { ErrorCodes } from './error-codes.js';
import { PilotError } from './pilot-error.js';

/** A plugin module could not be loaded or does not hold a usable plugin. */
export class PluginLoadError extends PilotError {
  constructor(readonly module: string, reason: string, cause?: unknown) {
    super(ErrorCodes.MIDDLEWAREIMPORTFAILURE, `plugin module ${module}: ${reason}`, { recoverable: false, cause });
    this.name = 'PluginLoadError';
  }
}

/** Two plugins claim one name (or alias) for the same contract. */
export class DuplicatePluginError extends PilotError {
  constructor(contract: string, name: string, first: string, second: string) {
    super(
      ErrorCodes.MIDDLEWAREIMPORTFAILURE,
      `${contract} plugin name "${name}" is claimed twice: by ${first} and by ${second}`,
      { recoverable: false },
    );
    this.name = 'DuplicatePluginError';
  }
}

/** A name the configuration refers to matches no loaded plugin. */
export class PluginNotFoundError extends PilotError {
  constructor(contract: string, name: string, known: readonly string[], where?: string) {
    const list = known.length ? known.join(', ') : '(none loaded)';
    super(
      ErrorCodes.UNKNOWNCOPYTOOL,
      `unknown ${contract} "${name}"${where ? ` (${where})` : ''}; known: ${list}`,
      { recoverable: false },
    );
    this.name = 'PluginNotFoundError';
  }
}
