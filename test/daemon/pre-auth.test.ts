/**
 * What a connection that has not authenticated can cost the daemon (issue 9, defect 2): small messages only
 * (refused from the frame header, before buffering), a raw byte budget, a short clock, a cap on how many
 * wait at once, and paced pairing guesses that cannot void the user's code. The memory test runs the real
 * `mlxv serve` in its own process and reads its resident memory from /proc.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, type WebSocketConstructor } from '../../core/src/client/client.ts';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import {
  RawSocket,
  eventually,
  rampPixels,
  spawnDaemon,
  startTestDaemon,
  type ChildDaemon,
  type TestDaemon,
} from './helpers.ts';

const WS = WebSocket as unknown as WebSocketConstructor;
const MiB = 2 ** 20;

/** A WebSocket client written by hand (net + RFC 6455 framing), so it can claim and send any length. */
class RawPeer {
  /** Bytes the kernel took from us (what the daemon could have read). */
  sent = 0;
  closed = false;
  private readonly done: Promise<void>;

  private constructor(private readonly sock: Socket) {
    this.done = new Promise((r) => sock.once('close', () => r()));
    sock.once('close', () => (this.closed = true));
    sock.on('error', () => {}); // EPIPE / ECONNRESET once the daemon drops us: expected
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.write(
          `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
            // `Origin: null` passes the Origin check (sandboxed frames send it): the attacker the issue names.
            `Origin: null\r\n\r\n`,
        );
      });
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        sock.off('data', onData);
        sock.off('error', reject);
        if (!head.startsWith('HTTP/1.1 101')) {
          sock.destroy();
          reject(new Error(head.split('\r\n')[0]));
          return;
        }
        sock.resume(); // drain anything the daemon sends (its error reply)
        resolve(new RawPeer(sock));
      };
      sock.on('data', onData);
    });
  }

  /** Writes one frame header (masked with a zero key, so the payload goes out as is). */
  header(opcode: number, length: number, fin = true): void {
    const lenBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
    const h = Buffer.alloc(2 + lenBytes + 4);
    h[0] = (fin ? 0x80 : 0) | opcode;
    if (lenBytes === 0) h[1] = 0x80 | length;
    else if (lenBytes === 2) {
      h[1] = 0x80 | 126;
      h.writeUInt16BE(length, 2);
    } else {
      h[1] = 0x80 | 127;
      h.writeBigUInt64BE(BigInt(length), 2);
    }
    this.write(h);
  }

  write(data: Buffer): boolean {
    if (this.closed) return false;
    this.sent += data.byteLength;
    return this.sock.write(data);
  }

  /** Streams `total` payload bytes from one shared chunk, honouring backpressure, until done or dropped. */
  async stream(total: number, chunk: Buffer): Promise<void> {
    let left = total;
    while (left > 0 && !this.closed) {
      const piece = left >= chunk.byteLength ? chunk : chunk.subarray(0, left);
      left -= piece.byteLength;
      if (!this.write(piece)) {
        await new Promise<void>((r) => {
          const go = () => {
            this.sock.off('drain', go);
            this.sock.off('close', go);
            r();
          };
          this.sock.once('drain', go);
          this.sock.once('close', go);
        });
      }
    }
  }

  whenClosed(): Promise<void> {
    return this.done;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

describe('the real daemon under 8 unauthenticated 500 MB messages', () => {
  let dir: string;
  let d: ChildDaemon;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlxv-preauth-'));
    d = await spawnDaemon(dir);
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'drops every sender, keeps its memory bounded and serves an authenticated client throughout',
    { timeout: 180_000 },
    async () => {
      const SENDERS = 8;
      const MESSAGE = 500 * 1000 * 1000;
      const client = await connectToDaemon({ configDir: dir, port: d.port });
      // Warm up (JIT, buffers) before the memory baseline.
      const px = rampPixels(32, 32);
      const frame = { instance: 'a', effect: 'identity', index: 0, width: 32, height: 32, pixels: px };
      await client.renderFrame(frame);
      await client.ping();
      const baseline = d.rss();

      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, d.rss())), 10);
      // The authenticated client keeps pinging and rendering while the attack runs; every reply must come.
      let served = 0;
      let stop = false;
      const service = (async () => {
        while (!stop) {
          await client.ping();
          const out = await client.renderFrame({ ...frame, params: { gain: 0.5 } });
          expect(out.pixels![0]).toBeCloseTo(px[0]! * 0.5, 6);
          served++;
        }
      })();

      const chunk = Buffer.alloc(MiB);
      const peers = await Promise.all(Array.from({ length: SENDERS }, () => RawPeer.open(d.port)));
      const attack = peers.map(async (p, i) => {
        p.header(i % 2 ? 0x2 : 0x1, MESSAGE); // half text, half binary messages, each declared 500 MB
        await p.stream(MESSAGE, chunk);
        await p.whenClosed();
      });
      await Promise.all(attack);
      await new Promise((r) => setTimeout(r, 300)); // let the daemon settle; the sampler keeps reading
      stop = true;
      await service;
      clearInterval(sampler);

      // The bound: 64 MiB over the idle daemon, a tenth of ONE of the messages (4 GB were sent at it).
      expect(peak - baseline).toBeLessThan(64 * MiB);
      for (const p of peers) {
        expect(p.closed).toBe(true);
        // The daemon stopped reading long before 500 MB: what got out is at most kernel socket buffers.
        expect(p.sent).toBeLessThan(64 * MiB);
      }
      expect(served).toBeGreaterThan(0);
      await client.ping();
      console.log(
        `pre-auth attack: daemon RSS ${Math.round(baseline / MiB)} MiB idle, peak ${Math.round(peak / MiB)} MiB; ` +
          `${SENDERS} senders dropped after ${peers.map((p) => Math.round(p.sent / MiB)).join('/')} MiB; ` +
          `${served} ping+render rounds served meanwhile`,
      );
      client.close();
    },
  );
});

describe('pre-auth limits (in-process daemon)', () => {
  let t: TestDaemon;
  let token: string;
  beforeAll(async () => {
    t = await startTestDaemon({
      preAuth: { maxConnections: 4, timeoutMs: 1500 },
      pairing: { attemptIntervalMs: 200 },
    });
    token = readFileSync(join(t.dir, 'token'), 'utf8').trim();
  });
  afterAll(() => t.stop());

  it('a message over 4 KiB before hello closes the connection (1009), refused from its header', async () => {
    const s = await RawSocket.open(t.daemon.url);
    s.send('x'.repeat(5000));
    expect([1009, 1006]).toContain(await s.closed()); // then terminated: no close handshake to wait for
    const big = await RawPeer.open(t.daemon.port);
    big.header(0x2, 100 * MiB);
    big.write(Buffer.alloc(1000)); // only a sliver of the declared length ever arrives
    await big.whenClosed();
    await eventually(() => t.daemon.stats().unauthenticated === 0);
  });

  it('fragments count together, and so do raw bytes (control frames included)', async () => {
    const frag = await RawPeer.open(t.daemon.port);
    for (let i = 0; i < 3; i++) {
      frag.header(i === 0 ? 0x1 : 0x0, 2000, false); // 6000 bytes of one unfinished text message
      frag.write(Buffer.alloc(2000, 0x20));
    }
    await frag.whenClosed();
    const pings = await RawPeer.open(t.daemon.port);
    for (let i = 0; i < 200 && !pings.closed; i++) {
      pings.header(0x9, 100); // 200 pings x 106 bytes: over the 16 KiB budget
      pings.write(Buffer.alloc(100));
    }
    await pings.whenClosed();
  });

  it('no hello in time → AUTH_FAILED and closed', async () => {
    const s = await RawSocket.open(t.daemon.url);
    const err = await s.next(() => true, 5000);
    expect(err).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
    expect(String((err as { message: string }).message)).toMatch(/no hello within 1.5 s/);
    await s.closed();
  });

  it('at most maxConnections wait to authenticate; more get 503 at the upgrade; authenticated ones do not count', async () => {
    const authed = await DaemonClient.connect({ url: t.daemon.url, token, WebSocket: WS });
    const waiting = await Promise.all(Array.from({ length: 4 }, () => RawSocket.open(t.daemon.url)));
    await expect(RawSocket.open(t.daemon.url)).rejects.toThrow('HTTP 503');
    for (const w of waiting) w.close();
    await eventually(() => t.daemon.stats().unauthenticated === 0);
    const again = await RawSocket.open(t.daemon.url);
    again.close();
    await authed.ping();
    authed.close();
  });

  it('after hello the full limits apply: a 2 MiB frame goes through', async () => {
    const c = await DaemonClient.connect({ url: t.daemon.url, token, WebSocket: WS });
    const px = rampPixels(512, 256); // 2 MiB of pixels, 512 times the pre-auth message limit
    const out = await c.renderFrame({
      instance: 'big',
      effect: 'identity',
      index: 0,
      width: 512,
      height: 256,
      pixels: px,
    });
    expect(out.pixels![1000]).toBeCloseTo(px[1000]!, 6);
    c.close();
  });

  it('pairing guesses are paced and cannot void the code the user is about to type', async () => {
    const native = await DaemonClient.connect({ url: t.daemon.url, token, WebSocket: WS });
    const { code } = await native.createPairCode();
    const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
    const t0 = Date.now();
    const guesses = Array.from({ length: 3 }, (_, i) =>
      DaemonClient.connect({ url: t.daemon.url, pairCode: wrong(i), WebSocket: WS }).then(
        () => 'paired',
        (e: { code?: string }) => e.code,
      ),
    );
    // The user's attempt comes after the guesses and waits its turn instead of being refused.
    const user = DaemonClient.connect({ url: t.daemon.url, pairCode: code, WebSocket: WS });
    expect(await Promise.all(guesses)).toEqual(['PAIRING_FAILED', 'PAIRING_FAILED', 'PAIRING_FAILED']);
    const panel = await user;
    await panel.ping();
    // Four attempts, one per 200 ms at most: the last was answered no sooner than 600 ms after the first.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    panel.close();
    native.close();
  });

  it('one pairing attempt per connection: a second pair is refused', async () => {
    const native = await DaemonClient.connect({ url: t.daemon.url, token, WebSocket: WS });
    const { code } = await native.createPairCode();
    const s = await RawSocket.open(t.daemon.url);
    s.json({ type: 'pair', code, client: { name: 'p', version: '1' } });
    expect(await s.next(() => true)).toMatchObject({ type: 'pair.ok' });
    s.json({ type: 'pair', code: '000000', client: { name: 'p', version: '1' } });
    expect(await s.next(() => true)).toMatchObject({ code: 'AUTH_FAILED' });
    expect(await s.closed()).toBe(4401);
    native.close();
  });
});
