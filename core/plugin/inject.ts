/**
 * Constructor-parameter injection for plugins (`@inject(PluginOptions)`), re-exported so a
 * plugin imports everything from espilot and needs no tsyringe of its own. `@pilotPlugin`
 * already makes the class injectable.
 */
export { inject } from 'tsyringe';
