/**
 * Helpers for the OFX tests: the built bundle + test host (built with plain cmake when `npm test`'s native
 * build has not made them), a real daemon process (`mlxv serve --port 0` in a temp config dir, so a test can
 * kill it), and the test host run as a child process that prints one JSON report.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageFrame } from '../support/images.ts';
import { fixture, repoRoot } from '../support/paths.ts';
import { startDaemonProcess as startDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';

export { fixture, repoRoot };

export interface OfxBuild {
  host: string;
  bundle: string;
  probe: string;
  /** A command the host runs under (Wine for the Windows build), with the environment it needs. */
  runner?: { command: string; env: Record<string, string> };
}

function artifacts(buildDir: string): OfxBuild {
  const dir = path.join(buildDir, 'ofx-bridge');
  return {
    host: path.join(dir, 'mlxv-ofx-host'),
    bundle: path.join(dir, 'mlxvideo.ofx.bundle'),
    probe: path.join(dir, 'mlxv-ws-probe'),
  };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * The OFX artifacts. `default`: build/ofx-bridge from scripts/build-native.sh when present, else a plain
 * cmake build in build/ofx-test. `asan`: build/asan-ofx with -DMLXV_SANITIZE=ON. Builds hold a lock file
 * so test files running in parallel do not build the same tree at once.
 */
export function ofxBuild(kind: 'default' | 'asan' = 'default'): OfxBuild {
  if (kind === 'default') {
    const fromNpm = artifacts(path.join(repoRoot, 'build'));
    if (process.env.MLXV_OFX_BUILD_DIR) return artifacts(path.resolve(process.env.MLXV_OFX_BUILD_DIR));
    if (
      existsSync(fromNpm.host) &&
      existsSync(path.join(fromNpm.bundle, 'Contents', 'Resources', 'effects.json'))
    ) {
      return fromNpm;
    }
  }
  const dir = path.join(repoRoot, 'build', kind === 'asan' ? 'asan-ofx' : 'ofx-test');
  const lock = path.join(tmpdir(), `mlxv-ofx-build-${kind}.lock`);
  const flags =
    kind === 'asan' ? ['-DMLXV_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug'] : ['-DCMAKE_BUILD_TYPE=Release'];
  run('flock', [lock, 'cmake', '-S', '.', '-B', dir, ...flags]);
  run('flock', [
    lock,
    'cmake',
    '--build',
    dir,
    '-j2',
    '--target',
    'mlxvideo_ofx',
    'mlxv-ofx-host',
    'mlxv-ws-probe',
  ]);
  return artifacts(dir);
}

export type { DaemonProcess };

/** `mlxv serve` in a fresh config dir (or `dir`, to restart on the same token), optionally on a fixed port. */
export function startDaemonProcess(dir?: string, port = 0): Promise<DaemonProcess> {
  // The OFX tests wait longer for a start and never let a stuck stop() hang a test (SIGKILL after 5 s).
  return startDaemon({
    ...(dir === undefined ? {} : { dir }),
    port,
    startTimeoutMs: 60_000,
    killAfterMs: 5000,
  });
}

export interface HostReport {
  plugin: string;
  expect: string;
  met: boolean;
  why: string;
  totalMs: number;
  renders: { instance: number; frame: number; status: number; identity: boolean; ms: number }[];
  outputs: {
    width: number;
    height: number;
    file: string;
    rod: number[];
    clipPreferences: { status: number; outputPremultiplication: string };
  }[];
  messages: { kind: string; type: string; text: string }[];
  violations: string[];
  liveImages: number;
  /** Every time the plugin fetched a Source image at (pre-roll shows up here). */
  sourceTimesFetched: number[];
  /** Every property name the plugin passed to the host's property suite. */
  propertyNames: string[];
}

export interface HostRun {
  code: number | null;
  report: HostReport;
  stderr: string;
  wallMs: number;
}

/** Runs the test host; resolves with its JSON report (rejects when it printed none). */
export function runHost(
  build: OfxBuild,
  args: string[],
  env: Record<string, string> = {},
  onStart?: (proc: ChildProcess) => void,
): Promise<HostRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const hostArgs = [build.host, '--bundle', build.bundle, ...args];
    const proc = build.runner
      ? spawn(build.runner.command, hostArgs, {
          env: { ...process.env, ...build.runner.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(hostArgs[0]!, hostArgs.slice(1), {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    onStart?.(proc);
    proc.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve({
          code,
          report: JSON.parse(line) as HostReport,
          stderr: err,
          wallMs: performance.now() - t0,
        });
      } catch {
        reject(new Error(`test host printed no report (exit ${code}):\n${out}\n${err}`));
      }
    });
  });
}

/** A real (opaque) image as the host's raw input: float32 RGBA, top row first (values 0..1). */
export async function rawFromImage(
  file: string,
  width: number,
  height: number,
): Promise<{ path: string; data: Float32Array }> {
  const f = (await imageFrame(file, { width, height })).data;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-img-'));
  const p = path.join(dir, 'input.rgbaf');
  writeFileSync(p, Buffer.from(f.buffer));
  return { path: p, data: f };
}

export function readRaw(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

export function tempFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-out-')), name);
}

/**
 * The first `frames` frames of a real video as the host's raw clip input (float32 RGBA frames back to back,
 * top row first), scaled to width x height by ffmpeg.
 */
export function rawClip(
  file: string,
  frames: number,
  width: number,
  height: number,
): { path: string; frames: Float32Array[] } {
  const r = spawnSync(
    ffmpegPath(),
    [
      '-v',
      'error',
      '-i',
      file,
      '-frames:v',
      String(frames),
      '-vf',
      `scale=${width}:${height}:flags=area`,
    ].concat(['-f', 'rawvideo', '-pix_fmt', 'rgba', '-']),
    { maxBuffer: 1 << 28 },
  );
  const bytes = r.stdout as Buffer;
  if (r.status !== 0 || bytes.length !== frames * width * height * 4)
    throw new Error(`ffmpeg could not decode ${frames} frames of ${file}: ${String(r.stderr)}`);
  const all = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) all[i] = (i & 3) === 3 ? 1 : bytes[i]! / 255;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-clip-'));
  const p = path.join(dir, 'clip.rgbaf');
  writeFileSync(p, Buffer.from(all.buffer));
  const size = width * height * 4;
  return {
    path: p,
    frames: Array.from({ length: frames }, (_, k) => all.subarray(k * size, (k + 1) * size)),
  };
}

/** Largest absolute difference between two equally long pixel arrays. */
export function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Wine's 64-bit loader (Debian packages wine + wine64). */
export const WINE64 = '/usr/lib/wine/wine64';

/**
 * The Win64 cross-build (Debian mingw-w64, ofx-bridge/cmake/mingw-w64-x86_64.cmake) in build/win64: the bundle
 * with Contents/Win64/mlxvideo.ofx and the test host as mlxv-ofx-host.exe, run under Wine with its own prefix
 * in build/wineprefix (created on first use).
 */
export function winBuild(): OfxBuild {
  const dir = path.join(repoRoot, 'build', 'win64');
  const lock = path.join(tmpdir(), 'mlxv-ofx-build-win64.lock');
  const toolchain = path.join(repoRoot, 'ofx-bridge', 'cmake', 'mingw-w64-x86_64.cmake');
  run('flock', [
    lock,
    'cmake',
    '-S',
    'ofx-bridge',
    '-B',
    dir,
    '-DCMAKE_BUILD_TYPE=Release',
    `-DCMAKE_TOOLCHAIN_FILE=${toolchain}`,
  ]);
  run('flock', [lock, 'cmake', '--build', dir, '-j2', '--target', 'mlxvideo_ofx', 'mlxv-ofx-host']);
  return {
    host: windowsPath(path.join(dir, 'mlxv-ofx-host.exe')),
    bundle: windowsPath(path.join(dir, 'mlxvideo.ofx.bundle')),
    probe: '',
    runner: {
      command: WINE64,
      env: {
        WINEPREFIX: path.join(repoRoot, 'build', 'wineprefix'),
        WINEDEBUG: '-all',
        WINEDLLOVERRIDES: 'mscoree,mshtml=',
      },
    },
  };
}

/** A Linux path as Wine's Windows programs see it (drive Z: is the Unix root). */
export function windowsPath(p: string): string {
  return `Z:${p.replace(/\//g, '\\')}`;
}
