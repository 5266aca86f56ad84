/**
 * The local daemon (`mlxv serve`): a `ws` server on 127.0.0.1 only. Refuses web-page Origins at the HTTP
 * upgrade (403), authenticates every connection with the native token or a paired token, and hands each
 * socket to a Connection. Protocol: docs/protocol.md.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { listEffects } from '../effects/registry.ts';
import type { EffectContext } from '../effects/types.ts';
import { temporalOf } from '../effects/descriptor-data.ts';
import { effectModelCards } from '../models/model-cards.ts';
import {
  CLOSE_SHUTTING_DOWN,
  DEFAULT_PORT,
  PROTOCOL_VERSION,
  type DaemonLimits,
  type EffectSummary,
  type HelloOk,
} from '../client/protocol.ts';
import { AuthRegistry, isAllowedOrigin, type PairingOptions } from './auth.ts';
import {
  configDir as defaultConfigDir,
  daemonInfoPath,
  ensureDir,
  ensureToken,
  readDaemonInfo,
  tokenFilePath,
} from './config.ts';
import { Connection } from './connection.ts';
import { DEFAULT_LIMITS, type DaemonCore, type DaemonLog } from './daemon-core.ts';
import { lazyEffectContext } from './effect-context.ts';
import { JobManager, processAlive, type RunJobFn } from './jobs.ts';
import { liveInstanceCount } from './frame-sessions.ts';
import { nativeAddon, nativeLoadError } from '../native/addon.ts';
import { unlinkShm } from './native.ts';
import { DEFAULT_PRE_AUTH, type PreAuthLimits } from './pre-auth.ts';

export interface DaemonOptions {
  /** Default 7433 (MLXV_PORT); 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default) or ::1. Anything else is refused. */
  host?: '127.0.0.1' | '::1';
  /** Default: MLXV_CONFIG_DIR or ~/.config/mlxvideo. */
  configDir?: string;
  limits?: Partial<DaemonLimits>;
  /** What a connection may cost before it authenticates (pre-auth.ts; defaults DEFAULT_PRE_AUTH). */
  preAuth?: Partial<PreAuthLimits>;
  pairing?: PairingOptions;
  /** Job runner; default: runJob from core/src/pipeline/run-job.ts. */
  runJob?: RunJobFn;
  /** Effect context; default: createEffectContext from core/src/runtime/context.ts. */
  createContext?: () => EffectContext | Promise<EffectContext>;
  log?: DaemonLog;
  /** Write <configdir>/daemon.json (port, pid) so local clients find the daemon. Default true. */
  writeInfoFile?: boolean;
}

export interface DaemonStats {
  connections: number;
  /** Connections that have not (yet) authenticated. */
  unauthenticated: number;
  instances: number;
  ownedShm: number;
  mappedShm: number;
  inFlightFrames: number;
  inFlightBytes: number;
  jobsRunning: number;
  jobsQueued: number;
}

export interface Daemon {
  readonly port: number;
  readonly url: string;
  readonly configDir: string;
  readonly tokenFile: string;
  readonly jobs: JobManager;
  readonly auth: AuthRegistry;
  stats(): DaemonStats;
  /** Names of daemon-created shm regions not yet unlinked. */
  liveShm(): string[];
  close(): Promise<void>;
}

export function daemonVersion(): string {
  const pkg = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

function effectSummaries(): EffectSummary[] {
  return listEffects().map((e) => ({
    id: e.id,
    label: e.label,
    category: e.category,
    description: e.description,
    params: e.params,
    kind: e.kind,
    temporal: temporalOf(e),
    ...(e.kind === 'filter' && e.preRoll !== undefined ? { preRoll: e.preRoll } : {}),
    outputs: e.outputs,
    models: e.models,
    resizes: e.outputScale !== undefined,
    retimes: e.kind === 'retime',
    modelCards: effectModelCards(e.models),
  }));
}

// The pipeline and runtime modules are imported on first use: `mlxv serve` starts fast, and frame
// rendering does not pay for ffmpeg/onnxruntime imports it never needs.
async function defaultRunJob(): Promise<RunJobFn> {
  const modulePath = '../pipeline/run-job.ts';
  const mod = (await import(modulePath)) as { runJob: RunJobFn };
  return mod.runJob;
}
async function defaultContext(): Promise<EffectContext> {
  const modulePath = '../runtime/context.ts';
  const mod = (await import(modulePath)) as {
    createEffectContext: () => EffectContext | Promise<EffectContext>;
  };
  return mod.createEffectContext();
}

const silent: DaemonLog = () => {};

/**
 * Shared memory the daemon creates is named /mlxv-<pid>-<hex> and unlinked on disconnect; a daemon that was
 * killed cannot do that, so the next one removes regions whose creator pid is gone (Linux lists them in /dev/shm).
 */
function removeStaleShm(log: DaemonLog): void {
  let names: string[];
  try {
    names = readdirSync('/dev/shm');
  } catch {
    return; // not Linux: nothing to list
  }
  for (const name of names) {
    const pid = Number(/^mlxv-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!pid || processAlive(pid)) continue;
    try {
      unlinkShm(`/${name}`);
      log('info', 'removed shared memory left by a stopped daemon', { name });
    } catch {
      // another daemon got there first
    }
  }
}

export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new Error(`the daemon binds loopback only (127.0.0.1 or ::1), not ${String(host)}`);
  }
  const dir = options.configDir ?? defaultConfigDir();
  ensureDir(dir);
  const tokenFile = options.configDir ? tokenFilePath(dir, {}) : tokenFilePath(dir);
  const token = ensureToken(tokenFile);
  const log = options.log ?? silent;
  const limits: DaemonLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const auth = new AuthRegistry(token, dir, options.pairing);
  const context = lazyEffectContext(options.createContext ?? defaultContext);
  const injectedRunJob = options.runJob;
  const jobs = new JobManager({
    journalDir: join(dir, 'jobs'),
    maxConcurrent: limits.maxConcurrentJobs,
    maxQueued: limits.maxQueuedJobs,
    runJob: injectedRunJob ? async () => injectedRunJob : defaultRunJob,
    context,
  });
  const interrupted = await jobs.recover();
  for (const j of interrupted) log('warn', 'job interrupted by a previous daemon stop', { jobId: j.jobId });

  const shmAvailable = nativeAddon() !== null;
  if (shmAvailable) removeStaleShm(log);
  const connections = new Set<Connection>();
  const liveShm = new Set<string>();
  const version = daemonVersion();
  const effects = effectSummaries();

  const core: DaemonCore = {
    limits,
    preAuth: { ...DEFAULT_PRE_AUTH, ...options.preAuth },
    maxPayload: Math.max(limits.maxBinaryBytes, limits.maxJsonBytes) + 64 * 1024,
    auth,
    jobs,
    context,
    shmAvailable,
    shmUnavailableReason: `shared memory needs the native addon: ${nativeLoadError() ?? ''}`,
    inFlightBytes: 0,
    helloOk: (): HelloOk => ({
      type: 'hello.ok',
      protocol: PROTOCOL_VERSION,
      daemon: { version, pid: process.pid },
      effects,
      limits,
      shm: shmAvailable,
    }),
    shmCreated: (name) => liveShm.add(name),
    shmReleased: (name) => liveShm.delete(name),
    connectionClosed: (c) => connections.delete(c),
    log,
  };

  const unauthenticated = () => {
    let n = 0;
    for (const c of connections) if (!c.authenticated) n++;
    return n;
  };
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Every socket starts with the small pre-auth message limit; Connection raises it to core.maxPayload
    // at hello.ok (pre-auth.ts), so a stranger's 500 MB message is refused from its header, unbuffered.
    maxPayload: core.preAuth.maxMessageBytes,
  });
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('mlxvideo daemon: WebSocket only (see docs/protocol.md)\n');
  });
  // An upgrade request has to arrive whole and soon (Node's default waits 60 s for the headers).
  http.headersTimeout = Math.max(core.preAuth.timeoutMs, 1000);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const origin = req.headers.origin;
    if (!isAllowedOrigin(origin)) {
      log('warn', 'refused a web origin', { origin });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (unauthenticated() >= core.preAuth.maxConnections) {
      log('warn', 'refused a connection: too many waiting to authenticate', {
        limit: core.preAuth.maxConnections,
      });
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.add(new Connection(ws, core, socket));
    });
  });

  const requestedPort =
    options.port ?? (process.env.MLXV_PORT ? Number(process.env.MLXV_PORT) : DEFAULT_PORT);
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `port ${requestedPort} on ${host} is in use: is another \`mlxv serve\` running? Pick another with --port or MLXV_PORT`,
            )
          : err,
      ),
    );
    http.listen(requestedPort, host, () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  const url = `ws://${host === '::1' ? '[::1]' : host}:${port}/`;
  const infoFile = daemonInfoPath(dir);
  const writeInfo = options.writeInfoFile ?? true;
  // Removes daemon.json when it still names this process (a second daemon on the same folder may have
  // replaced it). Synchronous, so it also runs from process 'exit' whatever ends the process.
  const removeInfo = () => {
    if (readDaemonInfo(dir)?.pid === process.pid) rmSync(infoFile, { force: true });
  };
  if (writeInfo) {
    const previous = readDaemonInfo(dir);
    if (previous && previous.pid !== process.pid) {
      if (processAlive(previous.pid)) {
        log('warn', 'another daemon on this config folder is running; daemon.json now names this one', {
          pid: previous.pid,
        });
      } else {
        log('info', 'replaced daemon.json left by a daemon that is gone', { pid: previous.pid });
      }
    }
    writeFileSync(infoFile, JSON.stringify({ port, pid: process.pid, url, version }, null, 2), {
      mode: 0o600,
    });
    process.once('exit', removeInfo);
  }
  log('info', 'listening', { url });

  let closing: Promise<void> | null = null;
  return {
    port,
    url,
    configDir: dir,
    tokenFile,
    jobs,
    auth,
    stats: () => {
      let mappedShm = 0;
      let ownedShm = 0;
      let inFlightFrames = 0;
      for (const c of connections) {
        const s = c.stats();
        mappedShm += s.mappedShm;
        ownedShm += s.ownedShm;
        inFlightFrames += s.inFlight;
      }
      return {
        connections: connections.size,
        unauthenticated: unauthenticated(),
        instances: liveInstanceCount(),
        ownedShm,
        mappedShm,
        inFlightFrames,
        inFlightBytes: core.inFlightBytes,
        jobsRunning: jobs.runningCount,
        jobsQueued: jobs.queuedCount,
      };
    },
    liveShm: () => [...liveShm],
    close() {
      closing ??= (async () => {
        // First, before anything that can take time or fail: clients must not find a daemon that is going.
        if (writeInfo) {
          removeInfo();
          process.off('exit', removeInfo);
        }
        for (const client of wss.clients) client.close(CLOSE_SHUTTING_DOWN, 'daemon shutting down');
        await jobs.shutdown();
        for (const name of liveShm) {
          try {
            unlinkShm(name);
          } catch {
            // gone already
          }
        }
        // Clients get a moment to complete the close handshake (so they see 4503, not a dropped socket);
        // whoever has not answered by then is cut off.
        const deadline = Date.now() + 1000;
        while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise<void>((resolve) => {
          wss.close(() => resolve());
          for (const client of wss.clients) client.terminate();
        });
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          // Sockets still in the HTTP phase (a half-sent upgrade request) would hold close() open until
          // their headers time out.
          http.closeAllConnections();
        });
        await context.dispose?.();
      })();
      return closing;
    },
  };
}
