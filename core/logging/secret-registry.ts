/**
 * The secrets of one pilot run (S3 keys, tokens, proxy contents). Anything that writes
 * text the outside world can read (logs, reports, child environments) passes it through
 * `mask`, so a secret registered here never leaves the process in clear.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a value; values shorter than 4 characters are refused (they would mask noise). */
  register(value: string | undefined | null): void {
    if (!value || value.length < 4 || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.pattern = undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  /** True when `text` contains any registered secret. */
  contains(text: string): boolean {
    if (this.secrets.size === 0) return false;
    for (const s of this.secrets) if (text.includes(s)) return true;
    return false;
  }

  /** `text` with every registered secret replaced by `********`. */
  mask(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.pattern, '********');
  }

  /**
   * A copy of `env` without variables that hold a secret or are known to carry credentials,
   * for handing to a child process.
   */
  scrubEnv(env: NodeJS.ProcessEnv): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined || CREDENTIAL_ENV.has(k) || this.contains(v)) continue;
      out[k] = v;
    }
    return out;
  }
}

/** Environment variables that carry credentials and are never inherited by children. */
export const CREDENTIAL_ENV: ReadonlySet<string> = new Set([
  'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'PANDA_AUTH_TOKEN_VALUE', 'OIDC_AUTH_TOKEN_VALUE', 'ESPILOT_S3_SECRET_KEY', 'ESPILOT_S3_ACCESS_KEY',
]);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
