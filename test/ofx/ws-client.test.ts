/**
 * The plugin's hand-written RFC 6455 client (ofx-bridge/src/ws_client.cpp) against the real `ws` server:
 * handshake, masked frames (ws rejects unmasked client frames with 1002), client fragmentation, server
 * fragmentation with an interleaved ping, ping/pong both ways, the close handshake from either side, and
 * cancelling a blocked receive.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ofxBuild, type OfxBuild } from './helpers.ts';

describe('ws_client.cpp against the ws server', () => {
  let build: OfxBuild;
  let wss: WebSocketServer;
  const seen = {
    binarySizes: [] as number[],
    pings: [] as string[],
    pongs: 0,
    closes: [] as [number, string][],
    protocolErrors: 0,
  };

  beforeAll(async () => {
    build = ofxBuild();
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('connection', (ws: WebSocket) => {
      ws.on('ping', (d) => seen.pings.push(d.toString()));
      ws.on('pong', () => seen.pongs++);
      ws.on('close', (code, reason) => seen.closes.push([code, reason.toString()]));
      ws.on('error', () => seen.protocolErrors++);
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          seen.binarySizes.push(data.length);
          ws.send(data);
        } else if (data.toString() === 'fragment-me') {
          ws.ping('server-ping');
          ws.send('frag', { fin: false });
          ws.send('ment', { fin: false });
          ws.send('ed', { fin: true });
        } else if (data.toString() === 'close-me') {
          ws.close(4000, 'bye-server');
        } else {
          ws.send(data.toString());
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
  });

  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  it('speaks RFC 6455 with a real server', async () => {
    const port = (wss.address() as AddressInfo).port;
    // Asynchronous: the server runs on this process's event loop.
    const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
      execFile(build.probe, [String(port)], { timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? 1 : 0, stdout, stderr }),
      ),
    );
    const steps = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: string } & Record<string, unknown>)
        .map((s) => [s.step, s]),
    );
    expect(steps.error, r.stdout + r.stderr).toBeUndefined();
    expect(r.status).toBe(0);
    expect(steps['echo-text']).toMatchObject({ binary: false, text: 'hello' });
    // Three parts sent as 3 fragments arrive at ws as one 300000-byte message, and come back intact.
    let sum = 0;
    for (let i = 0; i < 100000; i++) sum += (i * 7) & 255;
    for (let i = 0; i < 150000; i++) sum += (i * 13) & 255;
    for (let i = 0; i < 50000; i++) sum += (i * 31) & 255;
    expect(seen.binarySizes).toEqual([300000]);
    expect(steps['echo-binary']).toMatchObject({ bytes: 300000, sum });
    // The server's fragmented text with a ping in the middle is reassembled; the client answered the ping
    // and got the pong for its own.
    expect(steps.fragmented).toMatchObject({ text: 'fragmented', pong: 'p1' });
    expect(seen.pings).toContain('p1');
    expect(seen.pongs).toBeGreaterThanOrEqual(1);
    expect(steps['server-close']).toMatchObject({ code: 4000, connected: false });
    expect(steps['client-close']).toMatchObject({ connected: false });
    expect(seen.closes.map(([c]) => c)).toEqual(expect.arrayContaining([4000, 1000]));
    expect(seen.closes).toContainEqual([1000, 'bye']);
    expect(steps.cancel).toMatchObject({ aborted: true });
    expect(steps.cancel!.ms as number).toBeLessThan(2000);
    // Every client frame was masked: ws would have failed the connection (1002) otherwise.
    expect(seen.protocolErrors).toBe(0);
  });
});
