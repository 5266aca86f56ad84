/**
 * Who may talk to the daemon: the native token (token file, mode 0600), tokens issued to paired panels,
 * and nothing that carries a web page's Origin. Pairing codes are 6 digits, short-lived, single-use.
 * Guessing is paced, not punished: attempts are answered one at a time, at most one per second daemon-wide
 * (PairingGate), so a code lives through at most ttl/interval guesses (120 for the defaults: a chance of
 * 1.2e-4 per code) and no amount of wrong guesses can void the code the user is about to type.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Origins a local app sends (UXP panels, pages opened from file://, no Origin at all for native clients).
 * Anything else — http(s) pages above all — is a web page and is refused at the upgrade with 403.
 */
export function isAllowedOrigin(origin: string | undefined): boolean {
  if (origin === undefined || origin === '' || origin === 'null') return true;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(origin)?.[1]?.toLowerCase();
  return scheme === 'file' || scheme === 'uxp' || scheme === 'app';
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface PairedClient {
  tokenSha256: string;
  client: string;
  pairedAt: string;
}

export type TokenKind = 'native' | 'paired';

export interface PairingOptions {
  codeTtlMs?: number;
  /** Least time between two pairing attempts, all connections together (default 1000 ms). */
  attemptIntervalMs?: number;
  now?: () => number;
}

/**
 * Answers pairing attempts one at a time, first come first served, at most one per `intervalMs`. Waiting in
 * line (rather than being refused) is what keeps the user's attempt from being crowded out by a guesser: the
 * line holds at most one attempt per unauthenticated connection, and those are capped (pre-auth.ts).
 */
export class PairingGate {
  private tail: Promise<void> = Promise.resolve();
  private last = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `attempt` at its turn; it returns false when it did not use the turn (its client left meanwhile). */
  enqueue(attempt: () => boolean): void {
    this.tail = this.tail.then(async () => {
      const wait = this.last + this.intervalMs - this.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        if (attempt()) this.last = this.now();
      } catch {
        this.last = this.now(); // a failing attempt still used its turn; the line goes on
      }
    });
  }
}

export class AuthRegistry {
  private readonly codes = new Map<string, number>();
  private paired: PairedClient[];
  private readonly codeTtlMs: number;
  private readonly now: () => number;
  readonly pairingGate: PairingGate;

  constructor(
    private readonly nativeToken: string,
    private readonly configDir: string,
    options: PairingOptions = {},
  ) {
    this.codeTtlMs = options.codeTtlMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.pairingGate = new PairingGate(options.attemptIntervalMs ?? 1000);
    this.paired = this.loadPaired();
  }

  private get pairedPath(): string {
    return join(this.configDir, 'paired.json');
  }

  private loadPaired(): PairedClient[] {
    try {
      const data = JSON.parse(readFileSync(this.pairedPath, 'utf8')) as { clients?: PairedClient[] };
      return Array.isArray(data.clients) ? data.clients : [];
    } catch {
      return [];
    }
  }

  private savePaired(): void {
    const tmp = `${this.pairedPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ clients: this.paired }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.pairedPath);
  }

  /** Which kind of token this is, or null when it is neither. */
  check(token: string): TokenKind | null {
    if (sameSecret(token, this.nativeToken)) return 'native';
    const h = hashToken(token);
    return this.paired.some((p) => sameSecret(p.tokenSha256, h)) ? 'paired' : null;
  }

  /** Mints a 6-digit code valid for codeTtlMs. */
  createCode(): { code: string; expiresInSeconds: number } {
    this.expireCodes();
    let code: string;
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    while (this.codes.has(code));
    this.codes.set(code, this.now() + this.codeTtlMs);
    return { code, expiresInSeconds: Math.round(this.codeTtlMs / 1000) };
  }

  /**
   * Redeems a code for a new token (stored hashed, survives restarts). Null when wrong/expired/used.
   * Callers go through pairingGate, which paces the guesses.
   */
  redeem(code: string, clientName: string): string | null {
    this.expireCodes();
    if (!this.codes.has(code)) return null;
    this.codes.delete(code);
    const token = randomBytes(32).toString('hex');
    this.paired.push({
      tokenSha256: hashToken(token),
      client: clientName.slice(0, 100),
      pairedAt: new Date(this.now()).toISOString(),
    });
    this.savePaired();
    return token;
  }

  private expireCodes(): void {
    const t = this.now();
    for (const [code, expires] of this.codes) if (expires <= t) this.codes.delete(code);
  }
}
