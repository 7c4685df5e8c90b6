export { ZeroMqChannel, type ZeroMqChannelOptions } from './zeromq-channel.js';
export { bindEndpoint, localSocketPath } from './channel-endpoint.js';
