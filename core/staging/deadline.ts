/**
 * An overall deadline for one operation, merged with the caller's own abort signal. Network
 * clients take `signal`; afterwards `expired` tells a deadline from a caller's abort.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private hit = false;

  constructor(readonly ms: number, parent?: AbortSignal) {
    this.timer = setTimeout(() => {
      this.hit = true;
      this.controller.abort(new Error(`deadline of ${ms} ms exceeded`));
    }, ms);
    this.signal = parent ? AbortSignal.any([this.controller.signal, parent]) : this.controller.signal;
  }

  /** True when the deadline (not the caller) ended the operation. */
  get expired(): boolean {
    return this.hit;
  }

  /** Stops the timer; call when the operation ends either way. */
  clear(): void {
    clearTimeout(this.timer);
  }
}
