/**
 * A PanDA client stand-in that serves only getKeyPair, for mover tests. The real HTTP client
 * and dispatcher are built elsewhere (issue 3); the movers only see the PandaApi contract, and
 * these tests check how often and with which key names they call it.
 */
import { ErrorCodes, PilotError, type KeyPair, type PandaApi, type SecretRegistry } from '../../core/index.js';

export interface KeyPairServer extends PandaApi {
  /** Every getKeyPair call: [publicKeyName, privateKeyName]. */
  readonly calls: Array<readonly [string, string]>;
}

/** Serves `keys` (by `publicKeyName\0privateKeyName`); unknown names fail like PanDA does. */
export function keyPairServer(keys: Record<string, KeyPair>, secrets?: SecretRegistry): KeyPairServer {
  const calls: Array<readonly [string, string]> = [];
  const unused = (what: string) => () => Promise.reject(new Error(`${what} is not served by this stand-in`));
  return {
    calls,
    async getKeyPair(publicKeyName: string, privateKeyName: string): Promise<KeyPair> {
      calls.push([publicKeyName, privateKeyName]);
      await new Promise((r) => setTimeout(r, 20));
      const pair = keys[`${publicKeyName}\0${privateKeyName}`];
      if (!pair) throw new PilotError(ErrorCodes.GETKEYPAIR, `no key pair ${publicKeyName}/${privateKeyName}`, { recoverable: false });
      // The contract: values are registered as secrets before they are returned.
      secrets?.register(pair.publicKey);
      secrets?.register(pair.privateKey);
      return pair;
    },
    getJob: unused('getJob'),
    updateJob: unused('updateJob'),
    getEventRanges: unused('getEventRanges'),
    updateEventRanges: unused('updateEventRanges'),
  };
}
