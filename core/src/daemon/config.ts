/**
 * Where the daemon keeps its per-user state: the token file, paired panel tokens, the jobs journal and
 * daemon.json (port + pid of the running daemon). `MLXV_CONFIG_DIR` moves the folder (tests use a temp dir);
 * `MLXV_TOKEN_FILE` moves only the token file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLXV_CONFIG_DIR) return env.MLXV_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'mlxvideo');
}

export function tokenFilePath(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.MLXV_TOKEN_FILE || join(dir, 'token');
}

export function daemonInfoPath(dir: string): string {
  return join(dir, 'daemon.json');
}

export interface DaemonInfo {
  port: number;
  pid: number;
  url: string;
  version: string;
}

/** The daemon.json record (written by `mlxv serve`), or undefined when absent or unreadable. */
export function readDaemonInfo(dir: string): DaemonInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(daemonInfoPath(dir), 'utf8')) as Partial<DaemonInfo>;
    if (typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined;
    return info as DaemonInfo;
  } catch {
    return undefined;
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Reads the native token, creating it (32 random bytes, hex, mode 0600) on first use. */
export function ensureToken(path: string): string {
  try {
    return readToken(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  ensureDir(dirname(path));
  const token = randomBytes(32).toString('hex');
  try {
    // 'wx': if another `mlxv serve` raced us, keep its token instead of overwriting.
    writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readToken(path);
    throw err;
  }
  chmodSync(path, 0o600);
  return token;
}

/** Reads the token; refuses a file that other users can read (a leaked token drives the daemon). */
export function readToken(path: string): string {
  const st = statSync(path);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new Error(
      `token file ${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``,
    );
  }
  const token = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/.test(token)) {
    throw new Error(
      `token file ${path} is malformed; delete it and restart \`mlxv serve\` to create a new one`,
    );
  }
  return token;
}
