/**
 * The OFX plugin on Windows (issue 16): the bundle cross-built with Debian's mingw-w64 is a PE32+ DLL at
 * Contents/Win64/mlxvideo.ofx exporting only the OFX entry points; the cross-built test host runs it under
 * Debian's Wine against the Linux daemon over loopback (binary WebSocket transport, Winsock), and its identity
 * and matte frames equal the Linux plugin's; with no daemon, the on-image error comes in bounded time.
 * Verified under Wine only: no Windows machine or Windows OFX host (Resolve) ran this.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixture,
  maxDiff,
  ofxBuild,
  rawFromImage,
  readRaw,
  repoRoot,
  runHost,
  startDaemonProcess,
  tempFile,
  windowsPath,
  winBuild,
  type DaemonProcess,
  type OfxBuild,
} from './helpers.ts';

const W = 64;
const H = 48;

describe('OFX plugin for Windows (mingw-w64 cross-build, run under Wine)', () => {
  let win: OfxBuild;
  let linux: OfxBuild;
  let daemon: DaemonProcess;
  let input: { path: string; data: Float32Array };
  beforeAll(async () => {
    win = winBuild();
    linux = ofxBuild();
    daemon = await startDaemonProcess();
    input = await rawFromImage(fixture('astronaut-256.png'), W, H);
  }, 900_000);
  afterAll(async () => daemon?.stop());

  /** The daemon's settings as the Windows plugin reads them (token file by its Wine path), binary transport. */
  const winEnv = (): Record<string, string> => ({
    MLXV_PORT: daemon.env.MLXV_PORT ?? '',
    MLXV_TOKEN_FILE: windowsPath(path.join(daemon.env.MLXV_CONFIG_DIR!, 'token')),
    MLXV_OFX_TRANSPORT: 'binary',
    MLXV_OFX_TIMEOUT_MS: '180000',
    MLXV_OFX_LOG: '1',
  });

  it('is a PE32+ DLL at Contents/Win64/mlxvideo.ofx that exports only the OFX entry points', () => {
    const dll = path.join(
      repoRoot,
      'build',
      'win64',
      'mlxvideo.ofx.bundle',
      'Contents',
      'Win64',
      'mlxvideo.ofx',
    );
    expect(existsSync(dll)).toBe(true);
    const r = spawnSync('x86_64-w64-mingw32-objdump', ['-p', dll], { encoding: 'utf8', maxBuffer: 1 << 27 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/file format pei-x86-64/);
    expect(r.stdout).toMatch(/^Magic\s+020b\s+\(PE32\+\)/m);
    expect(r.stdout).toMatch(/Characteristics [0-9a-f]+[\s\S]*?DLL/);
    const table = r.stdout.slice(r.stdout.indexOf('[Ordinal/Name Pointer] Table'));
    const names = [...table.matchAll(/^\s*\[\s*\d+\]\s+(\S+)$/gm)].map((m) => m[1]).sort();
    expect(names).toEqual(['OfxGetNumberOfPlugins', 'OfxGetPlugin', 'OfxSetHost']);
    // No MinGW runtime DLLs to ship next to it: only system DLLs are imported.
    const imports = [...r.stdout.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!.toLowerCase());
    expect(imports.filter((d) => /libstdc|libgcc|winpthread/.test(d))).toEqual([]);
  });

  it('lists the same effects under Wine as on Linux', async () => {
    const [w, l] = await Promise.all([runHost(win, ['--list']), runHost(linux, ['--list'])]);
    expect(w.code, w.stderr).toBe(0);
    const ids = (r: typeof w): string[] =>
      (r.report as unknown as { plugins: { id: string }[] }).plugins.map((p) => p.id);
    expect(ids(w)).toEqual(ids(l));
  });

  it('renders identity and matte frames equal to the Linux plugin, over binary WebSocket to the Linux daemon', async () => {
    const cases: [string, string[]][] = [
      ['org.mlxvideo.identity', ['gain=0.5']],
      ['org.mlxvideo.matte', ['model=Portrait, fast (selfie)', 'stabilize=0']],
    ];
    for (const [plugin, params] of cases) {
      const args = (inputPath: string, out: string): string[] =>
        ['--plugin', plugin, '--input', inputPath, '--width', String(W), '--height', String(H)]
          .concat(params.flatMap((p) => ['--param', p]))
          .concat(['--output', out, '--expect', 'ok']);
      const winOut = tempFile('win.rgbaf');
      const linuxOut = tempFile('linux.rgbaf');
      const w = await runHost(win, args(windowsPath(input.path), windowsPath(winOut)), winEnv());
      expect(w.code, `${plugin}: ${w.report.why} ${JSON.stringify(w.report.messages)} ${w.stderr}`).toBe(0);
      expect(w.stderr).toContain('via binary');
      const l = await runHost(linux, args(input.path, linuxOut), {
        ...daemon.env,
        MLXV_OFX_TIMEOUT_MS: '180000',
      });
      expect(l.code, l.report.why).toBe(0);
      // The same daemon computes both; float32 travels unchanged, so the frames are equal (bound: 1e-6).
      expect(maxDiff(readRaw(winOut), readRaw(linuxOut)), plugin).toBeLessThanOrEqual(1e-6);
    }
  });

  it('daemon down: the on-image error and a host message within a bounded time', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-win-nodaemon-'));
    const r = await runHost(
      win,
      ['--plugin', 'org.mlxvideo.identity', '--param', 'gain=0.5', '--synthetic', '64x36'].concat([
        '--expect',
        'error',
        '--max-ms',
        '8000',
      ]),
      { MLXV_CONFIG_DIR: windowsPath(dir), MLXV_PORT: '9', MLXV_OFX_CONNECT_TIMEOUT_MS: '1000' },
    );
    expect(r.code, r.report.why + r.stderr).toBe(0);
    expect(r.report.messages[0]!.text).toContain('cannot reach the mlxvideo daemon');
    expect(r.report.renders[0]!.ms).toBeLessThan(8000);
  });
});
