/**
 * Who may talk to the daemon: the native token (token file, mode 0600), tokens issued to paired panels,
 * and nothing that carries a web page's Origin. Pairing codes are 6 digits, short-lived, single-use;
 * a handful of wrong guesses voids every outstanding code, so guessing 1 in 10^6 is hopeless.
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
  /** Wrong codes tolerated before every outstanding code is voided. */
  maxFailures?: number;
  now?: () => number;
}

export class AuthRegistry {
  private readonly codes = new Map<string, number>();
  private failures = 0;
  private paired: PairedClient[];
  private readonly codeTtlMs: number;
  private readonly maxFailures: number;
  private readonly now: () => number;

  constructor(
    private readonly nativeToken: string,
    private readonly configDir: string,
    options: PairingOptions = {},
  ) {
    this.codeTtlMs = options.codeTtlMs ?? 120_000;
    this.maxFailures = options.maxFailures ?? 5;
    this.now = options.now ?? Date.now;
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
    this.failures = 0;
    return { code, expiresInSeconds: Math.round(this.codeTtlMs / 1000) };
  }

  /** Redeems a code for a new token (stored hashed, survives restarts). Null when wrong/expired/used. */
  redeem(code: string, clientName: string): string | null {
    this.expireCodes();
    if (!this.codes.has(code)) {
      this.failures++;
      if (this.failures >= this.maxFailures) this.codes.clear();
      return null;
    }
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
