import test from 'ava';
import {
  ConfigError, Experiment, LoggerToken, PilotError, PluginLoadError, PluginOptions, SiteMover, contractName, contractToken, serviceToken,
} from '../../../core/index.js';

// A second copy of espilot in the process (a site plugin's own install) is exercised for real in
// test/packaging/standalone-plugin.test.ts; these pin the mechanism it relies on.

test('contract and service tokens are registered symbols, the same in every copy', (t) => {
  t.is<symbol, symbol>(SiteMover, Symbol.for('espilot:contract:SiteMover'));
  t.is<symbol, symbol>(Experiment, contractToken('Experiment'));
  t.is<symbol, symbol>(PluginOptions, Symbol.for('espilot:service:PluginOptions'));
  t.is<symbol, symbol>(LoggerToken, serviceToken('Logger'));
  t.is(contractName(SiteMover), 'SiteMover');
  t.is(contractName(PluginOptions), 'PluginOptions');
  t.is(contractName(Symbol('Other')), 'Other');
});

test('an error made by another copy is recognised as PilotError / ConfigError by its registered brand', (t) => {
  // What another copy's classes look like to this one: unrelated prototypes carrying the same brands.
  class ForeignPilotError extends Error {
    code = 1171;
  }
  Object.defineProperty(ForeignPilotError.prototype, Symbol.for('espilot:class:PilotError'), { value: true });
  class ForeignConfigError extends ForeignPilotError {}
  Object.defineProperty(ForeignConfigError.prototype, Symbol.for('espilot:class:ConfigError'), { value: true });

  t.true(new ForeignPilotError() instanceof PilotError);
  t.false(new ForeignPilotError() instanceof ConfigError);
  t.true(new ForeignConfigError() instanceof ConfigError);
  t.false(new Error('plain') instanceof PilotError);
  t.false((null as unknown) instanceof PilotError);
  // Subclasses without a brand keep the ordinary prototype check.
  t.false(new ConfigError([]) instanceof PluginLoadError);
  t.false(new ForeignPilotError() instanceof PluginLoadError);
  t.true(new PluginLoadError('m', 'x') instanceof PluginLoadError);
  t.true(new PluginLoadError('m', 'x') instanceof PilotError);
  t.true(new ConfigError([]) instanceof PilotError);
});
