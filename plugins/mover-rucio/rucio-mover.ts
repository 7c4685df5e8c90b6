/**
 * The `rucio` copytool of CRIC queues, without the Rucio Python client. pilot3's rucio copytool
 * hands each file to Rucio's upload/download clients, which pick a protocol of the RSE and copy
 * with gfal2 (or boto for S3). Here the protocol is the CRIC endpoint's (arprotocols write_lan /
 * write_wan for stage-out, read_lan / read_wan for stage-in, resolved by the queuedata parser),
 * and the copy is done by the loaded mover that handles its scheme, tried in `movers` order.
 * Like pilot3 (upload with `no_register`), nothing is registered in Rucio: PanDA's Adder does
 * that from the job's `xml`, which lists the URL each output was stored at. README says what differs.
 */
import { inject } from '../../core/index.js';
import {
  ErrorCodes, PLUGIN_API_VERSION, PilotError, PluginOptions, ResolverToken, SiteMover, pilotPlugin, schemeOf,
  type PluginResolver, type RemoteObject, type TransferRequest, type TransferResult,
} from '../../core/index.js';
import { parseRucioOptions, type RucioOptions } from './rucio-options.js';

/** The schemes the movers rucio can hand a copy to declare (gfal2, xrootd, S3, local). */
const SCHEMES = ['root', 'davs', 'https', 's3', 'file'];

@pilotPlugin({
  provides: SiteMover,
  name: 'rucio',
  schemes: SCHEMES,
  options: parseRucioOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'CRIC queues\' rucio copytool: the endpoint\'s protocol, copied by the mover of its scheme (no Rucio client)',
})
export class RucioMover implements SiteMover {
  // async: a missing mover is a rejected promise, as the contract's callers expect.
  private readonly byScheme = new Map<string, SiteMover>();

  constructor(
    @inject(PluginOptions) private readonly options: RucioOptions,
    @inject(ResolverToken) private readonly resolver: PluginResolver,
  ) {}

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    return this.moverFor(req.url).stageIn(req);
  }

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    return this.moverFor(req.url).stageOut(req);
  }

  async stat(url: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    return this.moverFor(url).stat(url, signal);
  }

  async delete(url: string, signal?: AbortSignal): Promise<void> {
    return this.moverFor(url).delete(url, signal);
  }

  /** The first configured mover that is loaded and handles the URL's scheme (one instance per scheme). */
  private moverFor(url: string): SiteMover {
    const scheme = schemeOf(url);
    const known = this.byScheme.get(scheme);
    if (known) return known;
    const registry = this.resolver.registry;
    for (const name of this.options.movers) {
      const entry = registry.list(SiteMover).find((e) => e.descriptor.name === name || e.descriptor.aliases?.includes(name));
      if (!entry?.descriptor.schemes?.includes(scheme) || entry.descriptor.name === 'rucio') continue;
      const mover = this.resolver.instantiate<SiteMover>(entry);
      this.byScheme.set(scheme, mover);
      return mover;
    }
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `rucio: none of the movers ${this.options.movers.join(', ')} is loaded and handles ${scheme}:// (${url}); set pluginOptions.rucio.movers`, { recoverable: false });
  }
}
