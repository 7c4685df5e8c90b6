export { GlexecLauncher } from './glexec-launcher.js';
export { parseGlexecOptions, type GlexecOptions } from './glexec-options.js';
export { glexecCandidates, locateGlexec } from './glexec-tools.js';
export { writeUserProxy, type ProxyFile } from './user-proxy.js';
