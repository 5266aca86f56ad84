/**
 * Shared test helpers: a real daemon on 127.0.0.1 (random free port, temp config dir) and raw sockets
 * for sending malformed or hostile traffic that the typed client would never produce.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startDaemon, type Daemon, type DaemonOptions } from '../../core/src/daemon/server.ts';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import type { DaemonClient } from '../../core/src/client/client.ts';
import type { DaemonMessage } from '../../core/src/client/protocol.ts';
import type { EffectContext } from '../../core/src/effects/types.ts';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';

export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  connect(): Promise<DaemonClient>;
  stop(): Promise<void>;
}

/** The identity effect needs no models, so tests that only move frames need no runtime context. */
export const noModelsContext = (): EffectContext => ({}) as EffectContext;

export async function startTestDaemon(options: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'mlxv-daemon-test-'));
  const daemon = await startDaemon({ port: 0, configDir: dir, createContext: noModelsContext, ...options });
  const clients: DaemonClient[] = [];
  return {
    daemon,
    dir,
    async connect() {
      const c = await connectToDaemon({ configDir: dir, port: daemon.port });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw ws connection that records every message, for protocol-level tests. */
export class RawSocket {
  readonly messages: (DaemonMessage | Buffer)[] = [];
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      this.messages.push(isBinary ? data : (JSON.parse(data.toString()) as DaemonMessage));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens and authenticates with hello. */
  static async authed(url: string, token: string): Promise<RawSocket> {
    const s = await RawSocket.open(url);
    s.json({ type: 'hello', protocol: 1, token, client: { name: 'raw-test', version: '1' } });
    await s.next((m) => !Buffer.isBuffer(m) && m.type === 'hello.ok');
    return s;
  }

  json(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  send(data: string | Buffer | Uint8Array): void {
    this.ws.send(data);
  }

  /** Waits for (and removes) the first message matching `pred`. */
  async next(
    pred: (m: DaemonMessage | Buffer) => boolean,
    timeoutMs = 10_000,
  ): Promise<DaemonMessage | Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0]!;
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  reply(id: number): Promise<DaemonMessage> {
    return this.next((m) => !Buffer.isBuffer(m) && 'id' in m && m.id === id) as Promise<DaemonMessage>;
  }

  async closed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }
}

/** Names of mlxv shared memory regions currently in /dev/shm. */
export function mlxvShmRegions(): string[] {
  try {
    return readdirSync('/dev/shm').filter((n) => n.startsWith('mlxv-'));
  } catch {
    return [];
  }
}

/** Waits until `cond` holds (the daemon tears connections down asynchronously after a close). */
export async function eventually(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function rampPixels(width: number, height: number, seed = 0): Float32Array {
  const px = new Float32Array(width * height * 4);
  for (let i = 0; i < px.length; i++) px[i] = ((i * 7 + seed * 13) % 101) / 100;
  return px;
}

export type ChildDaemon = DaemonProcess;

/** `mlxv serve --port 0` as a separate process in config dir `dir` (test/support/daemon-process.ts). */
export function spawnDaemon(dir: string, env: Record<string, string> = {}): Promise<ChildDaemon> {
  return startDaemonProcess({ dir, env, startTimeoutMs: 30_000 });
}
