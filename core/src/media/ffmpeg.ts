/**
 * Where ffmpeg and ffprobe live, and how we run them.
 *
 * Order: an explicit override (MLXV_FFMPEG / MLXV_FFPROBE), then the system's binaries on PATH (Debian's
 * ffmpeg 5.x: current codecs, and the only source of ffprobe), then the static ffmpeg 4.1 build shipped inside
 * the `@ffmpeg-installer/linux-x64` npm package. That package carries no ffprobe, so `ffprobePath()` may be null
 * and probe.ts falls back to parsing `ffmpeg -i` (less exact; it says so).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa, type Options } from 'execa';

let cachedFfmpeg: string | undefined;
let cachedFfprobe: string | null | undefined;
let cachedPassthrough: Promise<readonly string[]> | undefined;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function bundledFfmpeg(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkgJson = require.resolve('@ffmpeg-installer/linux-x64/package.json');
    const candidate = path.join(path.dirname(pkgJson), 'ffmpeg');
    return isExecutable(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** Absolute path of the ffmpeg binary to use. Throws with an install hint when there is none. */
export function ffmpegPath(): string {
  if (cachedFfmpeg) return cachedFfmpeg;
  const override = process.env.MLXV_FFMPEG;
  if (override) {
    if (!isExecutable(override)) throw new Error(`MLXV_FFMPEG=${override} is not an executable file`);
    return (cachedFfmpeg = override);
  }
  const found = findOnPath('ffmpeg') ?? bundledFfmpeg();
  if (!found) {
    throw new Error(
      'ffmpeg not found: install it (Debian/Ubuntu: `apt-get install ffmpeg`) or run `npm install` so that ' +
        '@ffmpeg-installer/linux-x64 provides one, or set MLXV_FFMPEG to its path',
    );
  }
  return (cachedFfmpeg = found);
}

/** Absolute path of ffprobe, or null when only the npm-bundled ffmpeg exists. */
export function ffprobePath(): string | null {
  if (cachedFfprobe !== undefined) return cachedFfprobe;
  const override = process.env.MLXV_FFPROBE;
  // "none" forces the ffmpeg-only probe (what a machine with only the npm-bundled ffmpeg gets); used in tests.
  if (override === 'none') return (cachedFfprobe = null);
  if (override && isExecutable(override)) return (cachedFfprobe = override);
  // Prefer the ffprobe that sits beside the chosen ffmpeg so both come from one build.
  const sibling = path.join(path.dirname(ffmpegPath()), 'ffprobe');
  cachedFfprobe = isExecutable(sibling) ? sibling : findOnPath('ffprobe');
  return cachedFfprobe;
}

/** Forget cached locations (tests that change PATH / MLXV_FFMPEG). */
export function resetFfmpegLocation(): void {
  cachedFfmpeg = undefined;
  cachedFfprobe = undefined;
  cachedPassthrough = undefined;
}

/**
 * The nice value given to the ffmpeg processes that stream a job's frames (decoder, encoder, analysis frame
 * source). On a machine whose cores onnxruntime's intra-op threads already fill, an ffmpeg at equal priority
 * takes a core's slice at random moments, and the inference thread that lost its core holds the others at
 * the next barrier: measured on 2 cores, 1080p matte (isnet), the job's session.run rose 10-20 % over the bare
 * one and the efficiency (bare session.run / end-to-end per frame) read 0.79-0.81; with the streaming ffmpeg at
 * nice 19, 0.84-0.91 in alternating runs of the same script. ffmpeg then runs in the gaps inference leaves
 * (and in full when nothing else wants the CPU: a job that is ffmpeg-bound loses nothing). It also keeps a
 * render from taking the cores from the editor's own application. MLXV_FFMPEG_NICE=0..19 overrides; 0 leaves
 * ffmpeg at our priority.
 */
export function streamingFfmpegNice(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.MLXV_FFMPEG_NICE);
  if (env.MLXV_FFMPEG_NICE !== undefined && Number.isInteger(fromEnv) && fromEnv >= 0 && fromEnv <= 19)
    return fromEnv;
  return 19;
}

/**
 * Lowers a just-spawned streaming ffmpeg to `streamingFfmpegNice()`. Called right after spawn, before ffmpeg
 * has parsed its arguments: on Linux a nice value belongs to a thread, and the codec threads ffmpeg starts
 * later inherit it from its main thread (test/media/ffmpeg-priority.test.ts checks every thread).
 * A process that already exited (ESRCH) has nothing to lower; lowering never needs a privilege.
 */
export function lowerStreamingPriority(child: { pid?: number | undefined }): void {
  const nice = streamingFfmpegNice();
  if (nice === 0 || child.pid === undefined) return;
  try {
    setPriority(child.pid, nice);
  } catch {
    // exited already, or a platform without priorities: the job runs the same, only less politely
  }
}

/** Runs ffprobe/ffmpeg to completion with buffered output; never throws on a non-zero exit (callers decide). */
export async function runTool(
  tool: 'ffmpeg' | 'ffprobe',
  args: readonly string[],
  options: Options = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const bin = tool === 'ffmpeg' ? ffmpegPath() : ffprobePath();
  if (!bin) throw new Error('ffprobe not found (install Debian ffmpeg, or set MLXV_FFPROBE)');
  const result = await execa(bin, args, { reject: false, stdin: 'ignore', encoding: 'utf8', ...options });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

/** Keeps only the last `max` characters of ffmpeg's stderr for error messages. */
export function tail(text: string, max = 600): string {
  const trimmed = text.trim();
  return trimmed.length > max ? '…' + trimmed.slice(-max) : trimmed;
}

/** ffmpeg's error lines, without the "[demuxer @ 0x...]" prefixes and repeats, for one-line messages. */
export function summarizeErrors(stderr: string, maxLines = 3): string {
  const seen = new Set<string>();
  for (const line of stderr.split('\n')) {
    const clean = line
      .replace(/^\[[^\]]+ @ 0x[0-9a-f]+\]\s*/, '')
      .replace(/offset 0x[0-9a-f]+/, 'offset …')
      .trim();
    if (clean) seen.add(clean);
    if (seen.size >= maxLines) break;
  }
  return [...seen].join('; ');
}

/**
 * Output options that pass every decoded frame through exactly once (no duplication or dropping to force a
 * constant rate). ffmpeg 5.1 renamed `-vsync` to `-fps_mode` and deprecated the old name; the npm-bundled
 * 2018 build only knows `-vsync`.
 */
export function passthroughTimingArgs(): Promise<readonly string[]> {
  // Asked once per process, asynchronously: a synchronous `ffmpeg -version` here blocked the daemon's event
  // loop for 200-300 ms at the first decode of every daemon (found with --cpu-prof).
  cachedPassthrough ??= runTool('ffmpeg', ['-hide_banner', '-version']).then(({ stdout }) => {
    const version = /ffmpeg version n?(\d+)\.(\d+)/.exec(stdout);
    const modern = version !== null && Number(version[1]) * 100 + Number(version[2]) >= 501;
    return modern ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
  });
  return cachedPassthrough;
}

/**
 * Cuts ffmpeg's rawvideo stdout (chunks of any size) into whole frames of `frameBytes`. Each frame is a
 * buffer of its own (the consumer may keep or transfer it: a decoded frame can BE this buffer), from
 * `allocate`: by default allocUnsafeSlow (every byte is overwritten by ffmpeg's output before it is handed
 * out, and it never shares Node's pool); a job passes its buffer pool (engine/buffer-pool.ts).
 */
export class RawFrameSplitter {
  private pending: Buffer;
  private filled = 0;

  constructor(
    private readonly frameBytes: number,
    private readonly allocate: (bytes: number) => Buffer = (bytes) => Buffer.allocUnsafeSlow(bytes),
  ) {
    this.pending = allocate(frameBytes);
  }

  /** Bytes of an unfinished frame left over (non-zero at the end of a stream means it was cut short). */
  get partialBytes(): number {
    return this.filled;
  }

  *push(chunk: Buffer): Generator<Buffer> {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      chunk.copy(this.pending, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        const frame = this.pending;
        this.pending = this.allocate(this.frameBytes);
        this.filled = 0;
        yield frame;
      }
    }
  }
}
