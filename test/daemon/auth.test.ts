/**
 * Authentication against the real daemon on loopback: token file, hello, pairing, Origin refusal.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, DaemonError, type WebSocketConstructor } from '../../core/src/client/client.ts';
import { RawSocket, startTestDaemon, type TestDaemon } from './helpers.ts';

let t: TestDaemon;
let token: string;
beforeAll(async () => {
  t = await startTestDaemon({ pairing: { codeTtlMs: 2000, attemptIntervalMs: 50 } });
  token = readFileSync(join(t.dir, 'token'), 'utf8').trim();
});
afterAll(() => t.stop());

const WS = WebSocket as unknown as WebSocketConstructor;

describe('token', () => {
  it('is created on first serve with mode 0600', () => {
    expect(statSync(join(t.dir, 'token')).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('no hello (a request first) → AUTH_FAILED and close 4401', async () => {
    const s = await RawSocket.open(t.daemon.url);
    s.json({ type: 'ping', id: 1 });
    const err = await s.next(() => true);
    expect(err).toMatchObject({ type: 'error', code: 'AUTH_FAILED' });
    expect(await s.closed()).toBe(4401);
  });

  it('hello without a token → refused', async () => {
    const s = await RawSocket.open(t.daemon.url);
    s.json({ type: 'hello', protocol: 1, token: '', client: { name: 'x', version: '1' } });
    expect(await s.next(() => true)).toMatchObject({ code: 'AUTH_FAILED' });
    expect(await s.closed()).toBe(4401);
  });

  it('wrong token → refused', async () => {
    await expect(
      DaemonClient.connect({ url: t.daemon.url, token: 'ab'.repeat(32), WebSocket: WS }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('binary before hello → refused', async () => {
    const s = await RawSocket.open(t.daemon.url);
    s.send(Buffer.from('MLXF\0\0\0\0'));
    expect(await s.closed()).toBe(4401);
  });

  it('the right token → hello.ok with effects and limits', async () => {
    const c = await DaemonClient.connect({ url: t.daemon.url, token, WebSocket: WS });
    expect(c.hello.protocol).toBe(1);
    expect(c.effects.map((e) => e.id)).toContain('identity');
    expect(c.hello.limits.maxInFlightFramesPerConnection).toBeGreaterThan(0);
    await c.ping();
    c.close();
  });
});

describe('Origin', () => {
  it.each([
    'https://evil.example',
    'http://localhost:3000',
    'http://127.0.0.1:7433',
    'chrome-extension://abc',
  ])('a web Origin (%s) is refused with 403 at the upgrade', async (origin) => {
    await expect(RawSocket.open(t.daemon.url, { Origin: origin })).rejects.toThrow('HTTP 403');
  });

  it.each(['null', 'file://', 'uxp://com.mlxvideo.panel'])(
    'an app Origin (%s) may connect',
    async (origin) => {
      const s = await RawSocket.open(t.daemon.url, { Origin: origin });
      s.json({ type: 'hello', protocol: 1, token, client: { name: 'x', version: '1' } });
      expect(await s.next(() => true)).toMatchObject({ type: 'hello.ok' });
      s.close();
    },
  );
});

describe('pairing', () => {
  it('mlxv pair code → panel token that authenticates; the code works once', async () => {
    const native = await t.connect();
    const { code } = await native.createPairCode();
    expect(code).toMatch(/^\d{6}$/);
    const panel = await DaemonClient.connect({ url: t.daemon.url, pairCode: code, WebSocket: WS });
    await panel.ping();
    // A paired panel may not mint codes for others.
    await expect(panel.createPairCode()).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    panel.close();
    await expect(
      DaemonClient.connect({ url: t.daemon.url, pairCode: code, WebSocket: WS }),
    ).rejects.toMatchObject({
      code: 'PAIRING_FAILED',
    });
  });

  it('`mlxv pair` prints a code from the running daemon that a panel can redeem', async () => {
    const { execFile } = await import('node:child_process');
    const bin = new URL('../../core/bin/mlxv.js', import.meta.url).pathname;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [bin, 'pair'],
        { env: { ...process.env, MLXV_CONFIG_DIR: t.dir } },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );
    const code = /Pairing code: (\d{6})/.exec(stdout)?.[1];
    expect(code).toBeDefined();
    const panel = await DaemonClient.connect({ url: t.daemon.url, pairCode: code!, WebSocket: WS });
    await panel.ping();
    panel.close();
  });

  it('paired tokens are stored hashed and survive a daemon restart', async () => {
    const native = await t.connect();
    const { code } = await native.createPairCode();
    const { pairedToken } = await import('../../core/src/client/client.ts');
    const panelToken = await pairedToken({ url: t.daemon.url, pairCode: code, WebSocket: WS });
    expect(readFileSync(join(t.dir, 'paired.json'), 'utf8')).not.toContain(panelToken);
    const { startDaemon } = await import('../../core/src/daemon/server.ts');
    const second = await startDaemon({ port: 0, configDir: t.dir, writeInfoFile: false });
    try {
      const c = await DaemonClient.connect({ url: second.url, token: panelToken, WebSocket: WS });
      await c.ping();
      c.close();
    } finally {
      await second.close();
    }
  });

  it('codes expire', async () => {
    const native = await t.connect();
    const { code } = await native.createPairCode();
    await new Promise((r) => setTimeout(r, 2100));
    await expect(
      DaemonClient.connect({ url: t.daemon.url, pairCode: code, WebSocket: WS }),
    ).rejects.toBeInstanceOf(DaemonError);
  });
});
