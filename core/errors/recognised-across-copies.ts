/**
 * Makes `instanceof` recognise instances made by another copy of espilot in the same process.
 * A site plugin that brings its own espilot (for its types) throws that copy's PilotError;
 * the pilot must still read its code instead of treating it as an unknown failure. The brand
 * is a registered symbol on the prototype, so every copy sets and checks the same one.
 * Subclasses without their own brand keep the ordinary prototype check.
 */
export function recogniseAcrossCopies(cls: abstract new (...args: never[]) => object, name: string): void {
  const brand = Symbol.for(`espilot:class:${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
    },
  });
}
