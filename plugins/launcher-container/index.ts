export { ContainerLauncher } from './container-launcher.js';
export { apptainerCommand, CONTAINMENT_OPTIONS, type ApptainerCommand, type ApptainerCommandRequest } from './apptainer-command.js';
export { bwrapArgv, bwrapCommand, type BwrapCommandRequest } from './bwrap-command.js';
export { parseContainerOptions, type ContainerOptions, type ContainerRuntime } from './container-options.js';
