/**
 * daemon.json (`{port, pid, url}`, how local clients find the daemon) never outlives the daemon it names
 * (issue 9, defect 7): SIGTERM after abuse still ends in a prompt clean exit without the file, a second
 * signal exits at once without it too, and a record left by a daemon that was SIGKILLed is ignored by
 * clients and replaced by the next daemon. Real `mlxv serve` processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { connectToDaemon, daemonUrl } from '../../core/src/daemon/connect.ts';
import { RawSocket, spawnDaemon, type ChildDaemon } from './helpers.ts';

let dir: string;
let d: ChildDaemon | undefined;
const sockets: Socket[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-shutdown-'));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await d?.kill();
  d = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const infoFile = () => join(dir, 'daemon.json');
const recordedPid = () => (JSON.parse(readFileSync(infoFile(), 'utf8')) as { pid: number }).pid;

/** Resolves with how the process ended, or null when it is still running after `ms`. */
function exited(
  child: ChildDaemon['child'],
  ms: number,
): Promise<{ code: number | null; signal: string | null } | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

it('SIGTERM after abuse: a prompt clean exit, and daemon.json is gone', { timeout: 120_000 }, async () => {
  d = await spawnDaemon(dir);
  expect(recordedPid()).toBe(d.child.pid);
  // Abuse: upgrade requests that never finish their headers, strangers that never say hello, and an
  // authenticated client with frames waiting for pixels that never come.
  for (let i = 0; i < 12; i++) {
    const s = connect(d.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgra'));
    s.on('error', () => {});
    sockets.push(s);
  }
  const strangers = await Promise.all(Array.from({ length: 8 }, () => RawSocket.open(d!.url)));
  const raw = await RawSocket.open(d.url);
  raw.json({
    type: 'hello',
    protocol: 1,
    token: readFileSync(join(dir, 'token'), 'utf8').trim(),
    client: { name: 't', version: '1' },
  });
  await raw.next((m) => !Buffer.isBuffer(m) && m.type === 'hello.ok');
  for (let id = 1; id <= 4; id++) {
    raw.json({
      type: 'frame.render',
      id,
      instance: 'i',
      effect: 'identity',
      params: {},
      frame: { index: 0, width: 64, height: 64 },
      transport: 'binary',
    });
  }
  await new Promise((r) => setTimeout(r, 200));

  const t0 = Date.now();
  d.child.kill('SIGTERM');
  // Well under the 60 s a half-sent request could hold the HTTP server's close() open.
  const end = await exited(d.child, 30_000);
  expect(end, `exit after ${Date.now() - t0} ms`).toEqual({ code: 0, signal: null });
  expect(existsSync(infoFile())).toBe(false);
  expect(await raw.closed()).toBe(4503);
  for (const s of strangers) expect(s.closeCode).not.toBeNull();
});

it('a second signal exits at once; daemon.json is still removed', { timeout: 60_000 }, async () => {
  d = await spawnDaemon(dir);
  expect(existsSync(infoFile())).toBe(true);
  d.child.kill('SIGTERM');
  d.child.kill('SIGTERM');
  const end = await exited(d.child, 20_000);
  expect(end).not.toBeNull();
  expect(end!.signal).toBeNull(); // it handled both signals itself (143: the second one's exit)
  expect([0, 143]).toContain(end!.code);
  expect(existsSync(infoFile())).toBe(false);
});

it(
  'a daemon.json left by a killed daemon is ignored by clients and replaced by the next daemon',
  {
    timeout: 90_000,
  },
  async () => {
    // A pid that is certainly gone: a process that ran and exited.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(
      infoFile(),
      JSON.stringify({ port: 1, pid: deadPid, url: 'ws://127.0.0.1:1/', version: '0' }),
      { mode: 0o600 },
    );
    expect(daemonUrl(dir)).not.toBe('ws://127.0.0.1:1/');

    d = await spawnDaemon(dir);
    expect(recordedPid()).toBe(d.child.pid);
    expect(daemonUrl(dir)).toBe(d.url);
    const c = await connectToDaemon({ configDir: dir }); // found through daemon.json
    await c.ping();
    c.close();

    await d.kill(); // SIGKILL: nothing can remove the file now
    expect(recordedPid()).toBe(d.child.pid);
    expect(daemonUrl(dir)).not.toBe(d.url);

    d = await spawnDaemon(dir);
    expect(recordedPid()).toBe(d.child.pid);
    await d.stop();
    expect(existsSync(infoFile())).toBe(false);
  },
);
