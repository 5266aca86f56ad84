/**
 * Node-side shortcut to the browser-safe client: finds the running daemon (daemon.json), reads the
 * native token file and passes the `ws` class as the WebSocket constructor (Node 20 has no global one).
 * Used by the CLI (`mlxv pair`, jobs through the daemon) and the tests.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { DaemonClient, type WebSocketConstructor } from '../client/client.ts';
import { DEFAULT_PORT } from '../client/protocol.ts';
import { configDir as defaultConfigDir, daemonInfoPath, readToken, tokenFilePath } from './config.ts';
import { daemonVersion } from './server.ts';
import { DEFAULT_LIMITS } from './daemon-core.ts';

export interface NativeConnectOptions {
  configDir?: string;
  /** Default: the port in daemon.json, else MLXV_PORT, else 7433. */
  port?: number;
  url?: string;
  token?: string;
  clientName?: string;
  timeoutMs?: number;
}

/** The URL of the daemon this user runs (daemon.json written by `mlxv serve`), or the default. */
export function daemonUrl(dir: string, port?: number): string {
  if (port !== undefined) return `ws://127.0.0.1:${port}/`;
  try {
    const info = JSON.parse(readFileSync(daemonInfoPath(dir), 'utf8')) as { url?: string };
    if (info.url) return info.url;
  } catch {
    // no running daemon recorded; fall through to the default port
  }
  return `ws://127.0.0.1:${process.env.MLXV_PORT ?? DEFAULT_PORT}/`;
}

/**
 * `ws` clients refuse messages over 100 MiB by default and UHD float frames are 133 MB, so Node clients
 * get a WebSocket class with the daemon's limit (and no compression, like the server).
 */
class DaemonWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { maxPayload: DEFAULT_LIMITS.maxBinaryBytes + 64 * 1024, perMessageDeflate: false });
  }
}

export async function connectToDaemon(options: NativeConnectOptions = {}): Promise<DaemonClient> {
  const dir = options.configDir ?? defaultConfigDir();
  const tokenFile = options.configDir ? tokenFilePath(dir, {}) : tokenFilePath(dir);
  let token = options.token;
  try {
    token ??= readToken(tokenFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `no token file at ${tokenFile}: start the daemon once with \`mlxv serve\` (it creates it)`,
    );
  }
  return DaemonClient.connect({
    url: options.url ?? daemonUrl(dir, options.port),
    token,
    client: { name: options.clientName ?? 'mlxv-cli', version: daemonVersion() },
    WebSocket: DaemonWebSocket as unknown as WebSocketConstructor,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
