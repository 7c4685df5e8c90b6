export { AtlasExperiment, isMergeTransform } from './atlas-experiment.js';
export { parseAtlasOptions, type AtlasOptions } from './atlas-options.js';
export { channelFormFor, injectAthenaChannel, type ChannelForm } from './channel-injection.js';
export { TokenExtractor, TOKEN_EXTRACTOR_LIST, wantsTokenExtractor } from './token-extractor.js';
export { cleanupAthenaMP } from './athena-cleanup.js';
