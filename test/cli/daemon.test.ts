/**
 * `mlxv run --daemon` against a real daemon process: the same job in-process and through the daemon gives the
 * same decoded frames, and with no daemon listening the CLI says how to start one and exits 6.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { collect, makeClip, mlxv, probe, spawnMlxv } from './helpers.ts';

const run = promisify(execFile);
let dir: string;
let clip: string;
let daemon: DaemonProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-daemon-'));
  clip = path.join(dir, 'in.mp4');
  await makeClip(clip, { frames: 12, rate: '30000/1001' });
  daemon = await startDaemonProcess({ startTimeoutMs: 60_000, killAfterMs: 10_000 });
}, 90_000);
afterAll(async () => {
  await daemon?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Every frame as 16-bit RGBA, decoded by ffmpeg (independent of our media code). */
async function decodedFrames(file: string): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba64le', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 28 },
  );
  return stdout;
}

/** A port nothing listens on: bound by us, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('mlxv run --daemon', () => {
  it('writes the same frames as the in-process run (identity to ProRes 4444)', async () => {
    const a = path.join(dir, 'a.mov');
    const b = path.join(dir, 'b.mov');
    const local = await mlxv(['run', 'identity', clip, '-o', a, '--param', 'gain=0.5']);
    expect(local.stderr).not.toMatch(/error/i);
    expect(local.code).toBe(0);
    // Relative output and input: the daemon must resolve them against the caller's folder, not its own.
    const viaDaemon = await mlxv(
      ['run', 'identity', path.basename(clip), '-o', 'b.mov', '--param', 'gain=0.5', '--daemon'],
      daemon.env,
      dir,
    );
    expect(viaDaemon.stderr).not.toMatch(/error/i);
    expect(viaDaemon.code).toBe(0);
    expect(viaDaemon.stdout).toContain(`wrote ${b} (12 frames`);
    // Same progress display as in-process.
    expect(viaDaemon.stderr).toMatch(/\d+\/12 frames, [\d.]+ fps, ETA/);

    const [pa, pb] = await Promise.all([probe(a), probe(b)]);
    expect(pb).toEqual(pa);
    expect(pb.frames).toBe(12);
    expect(pb.rate).toBe('30000/1001');
    const [fa, fb] = await Promise.all([decodedFrames(a), decodedFrames(b)]);
    expect(fb.length).toBe(fa.length);
    expect(fb.equals(fa)).toBe(true);
  }, 180_000);

  it('MLXV_DAEMON=1 also routes the job through the daemon', async () => {
    const out = path.join(dir, 'env.mov');
    const r = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '0-1', '--json'], {
      ...daemon.env,
      MLXV_DAEMON: '1',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ output: out, frames: 2 });
    // The variable really selects the daemon: with none listening the same command fails with exit 6.
    const down = await mlxv(['run', 'identity', clip, '-o', out, '--overwrite'], {
      MLXV_CONFIG_DIR: path.join(dir, 'no-daemon-config'),
      MLXV_PORT: String(await freePort()),
      MLXV_DAEMON: '1',
    });
    expect(down.code).toBe(6);
  }, 120_000);

  it('Ctrl-C cancels the daemon job: exit 130, nothing left in the output folder', async () => {
    const outDir = path.join(dir, 'cancel');
    await mkdir(outDir);
    const long = path.join(dir, 'long.mp4');
    await makeClip(long, { frames: 1500, size: '320x240', rate: '25' });
    const child = spawnMlxv(
      ['run', 'identity', long, '-o', path.join(outDir, 'out.mov'), '--param', 'gain=0.5', '--daemon'],
      daemon.env,
    );
    const result = collect(child);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (/processing [1-9]\d*\/1500/.test(seen)) resolve();
      });
      child.on('close', () => reject(new Error(`job ended before it could be interrupted:\n${seen}`)));
    });
    child.kill('SIGINT');
    const r = await result;
    expect(r.stderr).toMatch(/CANCELLED/);
    expect(r.code).toBe(130);
    // The daemon removes its temporary output once the cancel reaches the job; give it a moment.
    for (let i = 0; i < 50 && (await readdir(outDir)).length; i++)
      await new Promise((w) => setTimeout(w, 100));
    expect(await readdir(outDir)).toEqual([]);
  }, 180_000);

  it('with no daemon listening: names the port, says how to start one, exits 6, writes nothing', async () => {
    const port = await freePort();
    const out = path.join(dir, 'none.mov');
    const r = await mlxv(['run', 'identity', clip, '-o', out, '--daemon'], {
      MLXV_CONFIG_DIR: path.join(dir, 'no-daemon-config'),
      MLXV_PORT: String(port),
    });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(
      `no mlxvideo daemon on 127.0.0.1:${port}; start it with \`mlxv serve\`, or drop --daemon`,
    );
    await expect(probe(out)).rejects.toThrow();
  }, 60_000);
});
