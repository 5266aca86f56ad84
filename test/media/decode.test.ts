import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../core/src/effects/frame.ts';
import {
  DecodeTruncatedError,
  decodeFrames,
  planDecode,
  type DecodeOptions,
} from '../../core/src/media/decode.ts';
import { probeMedia, type MediaInfo } from '../../core/src/media/probe.ts';
import { passthroughTimingArgs } from '../../core/src/media/ffmpeg.ts';
import { JobError } from '../../core/src/pipeline/types.ts';
import { ffmpeg, fixture, makeTempDir } from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

async function collect(file: string, options: DecodeOptions = {}): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const f of decodeFrames(file, options)) frames.push(f);
  return frames;
}

async function failure(run: () => Promise<unknown>): Promise<JobError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobError);
  return err as JobError;
}

/** Bitwise equality of two frames' pixels (vitest's deep equality is far too slow for ~10^5 floats). */
function same(a: Frame, b: Frame): boolean {
  const bytes = (f: Frame) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
  return a.width === b.width && a.height === b.height && bytes(a).equals(bytes(b));
}

/** ffmpeg processes still reading `file` (there must be none once a decode has ended). */
async function ffmpegsReading(file: string): Promise<number> {
  const { stdout } = await execa('ps', ['-eo', 'args'], { reject: false });
  return String(stdout)
    .split('\n')
    .filter((line) => line.includes('ffmpeg') && line.includes(file)).length;
}

describe('decodeFrames', () => {
  it('delivers every frame of the 23.976 and 29.97 clips as display-referred float RGBA', async () => {
    for (const [name, count] of [
      ['closeup-2398.mp4', 36],
      ['closeup-2997-tc.mov', 45],
    ] as const) {
      const frames = await collect(fixture(name));
      expect(frames).toHaveLength(count);
      const f = frames[0]!;
      expect([f.width, f.height, f.stride, f.colorSpace]).toEqual([288, 288, 288 * 4, 'display']);
      let min = 1;
      let max = 0;
      let alphaMin = 1;
      for (let i = 0; i < f.data.length; i += 4) {
        min = Math.min(min, f.data[i]!);
        max = Math.max(max, f.data[i]!);
        alphaMin = Math.min(alphaMin, f.data[i + 3]!);
      }
      expect(alphaMin).toBe(1); // opaque source: alpha 1 everywhere
      expect(max - min).toBeGreaterThan(0.5); // a real picture, not a flat frame
    }
  });

  it('selects frame ranges exactly by frame number, also with B-frames', async () => {
    // libx264 defaults: B-frames and an edit list, the case where seeking by seconds goes wrong.
    const bframes = path.join(tmp.dir, 'bframes.mp4');
    await ffmpeg(['-i', fixture('closeup-2398.mp4'), '-c:v', 'libx264', '-bf', '3', '-an', bframes]);
    for (const [file, start, end] of [
      [fixture('wide-street.mp4'), 10, 14],
      [bframes, 20, 25],
    ] as const) {
      const all = await collect(file);
      const part = await collect(file, { range: { start, end } });
      expect(part).toHaveLength(end - start + 1);
      part.forEach((frame, i) => expect(same(frame, all[start + i]!)).toBe(true));
      // Neighbouring frames differ (people walk / the camera moves), so an off-by-one would fail above.
      expect(same(all[start]!, all[start + 1]!)).toBe(false);
    }
  });

  it('clamps an open-ended range and refuses a start past the end', async () => {
    const tail = await collect(fixture('closeup-2398.mp4'), { range: { start: 30 } });
    expect(tail).toHaveLength(6);
    const err = await failure(() => collect(fixture('closeup-2398.mp4'), { range: { start: 36 } }));
    expect(err.code).toBe('BAD_PARAM');
    expect(err.message).toMatch(/frames 0-35/);
  });

  it('a truncated video yields the frames it has, then INPUT_CORRUPT with the counts', async () => {
    const cut = path.join(tmp.dir, 'cut.mp4');
    copyFileSync(fixture('closeup-2398.mp4'), cut); // faststart: the index survives, the data does not
    await execa('truncate', ['-s', String(Math.floor(statSync(cut).size * 0.6)), cut]);
    let delivered = 0;
    let caught: unknown;
    try {
      for await (const _ of decodeFrames(cut)) delivered++;
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DecodeTruncatedError);
    const err = caught as DecodeTruncatedError;
    expect(err.code).toBe('INPUT_CORRUPT');
    expect(err.framesExpected).toBe(36);
    expect(err.framesDelivered).toBe(delivered);
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(36);
    expect(err.message).toContain('cut.mp4');
  });

  it('abort kills ffmpeg and throws CANCELLED; breaking out early stops ffmpeg too', async () => {
    const file = path.join(tmp.dir, 'abort-me.mp4');
    copyFileSync(fixture('wide-street.mp4'), file);
    const controller = new AbortController();
    let n = 0;
    const err = await failure(async () => {
      for await (const _ of decodeFrames(file, { signal: controller.signal })) {
        if (++n === 2) controller.abort();
      }
    });
    expect(err.code).toBe('CANCELLED');
    expect(n).toBe(2);
    expect(await ffmpegsReading(file)).toBe(0);

    for await (const _ of decodeFrames(file)) break;
    expect(await ffmpegsReading(file)).toBe(0);
  });
});

describe('seeking far into a clip lands on the exact frame', () => {
  it('seeks in MP4 (B-frames, AAC priming) and WebM, matching decode-from-start frame for frame', async () => {
    const mp4 = path.join(tmp.dir, 'seek-bframes.mp4');
    await ffmpeg([
      '-i',
      fixture('closeup-2398.mp4'),
      '-c:v',
      'libx264',
      '-bf',
      '3',
      '-g',
      '12',
      '-c:a',
      'aac',
      mp4,
    ]);
    const webm = path.join(tmp.dir, 'seek.webm');
    await ffmpeg([
      '-i',
      fixture('closeup-2997-tc.mov'),
      '-c:v',
      'libvpx-vp9',
      '-b:v',
      '200k',
      '-g',
      '15',
      '-an',
      webm,
    ]);
    for (const file of [mp4, webm]) {
      const info = await probeMedia(file);
      for (const start of [1, 7, 13, info.frameCount - 2]) {
        const range = { start, end: start + 1 };
        expect(planDecode(info, await passthroughTimingArgs(), range, 0).args).toContain('-ss');
        const fromStart = await collect(file, { info, range, seekAfterFrames: Infinity });
        const seeking = await collect(file, { info, range, seekAfterFrames: 0 });
        expect(seeking).toHaveLength(2);
        seeking.forEach((frame, i) =>
          expect([file, start, same(frame, fromStart[i]!)]).toEqual([file, start, true]),
        );
      }
    }
  });

  it('never seeks in MPEG-TS, where seeking is not frame-exact', async () => {
    const ts = path.join(tmp.dir, 'clip.ts');
    await ffmpeg(['-i', fixture('closeup-2398.mp4'), '-c:v', 'libx264', '-bf', '2', '-g', '10', '-an', ts]);
    const info = await probeMedia(ts);
    expect(planDecode(info, await passthroughTimingArgs(), { start: 20, end: 21 }, 0).args).not.toContain(
      '-ss',
    );
  });
});

describe('container rotation (phone clips)', () => {
  it('reports the displayed size and decodes upright frames', async () => {
    const plain = path.join(tmp.dir, 'landscape.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:d=0.2', '-c:v', 'libx264', '-qp', '0', plain]);
    // Write a 90-degree display matrix into the track header, as phones do.
    const bytes = readFileSync(plain);
    const tkhd = bytes.indexOf('tkhd') + 4;
    const matrixAt = tkhd + 4 + (bytes[tkhd] === 1 ? 32 : 20) + 16;
    [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000].forEach((v, k) =>
      bytes.writeInt32BE(v, matrixAt + 4 * k),
    );
    const rotated = path.join(tmp.dir, 'portrait.mp4');
    writeFileSync(rotated, bytes);

    const info = await probeMedia(rotated);
    expect(Math.abs(info.rotation ?? 0)).toBe(90);
    expect([info.width, info.height]).toEqual([48, 64]);
    const [upright] = await collect(rotated, { range: { start: 0, end: 0 } });
    const [original] = await collect(plain, { range: { start: 0, end: 0 } });
    expect([upright!.width, upright!.height]).toEqual([48, 64]);
    // Same pixels turned a quarter: one of the two turns matches, the other does not.
    const turned = (clockwise: boolean) => {
      let diff = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 48; x++) {
          const [sx, sy] = clockwise ? [y, 47 - x] : [63 - y, x];
          for (let c = 0; c < 3; c++)
            diff += Math.abs(upright!.data[(y * 48 + x) * 4 + c]! - original!.data[(sy * 64 + sx) * 4 + c]!);
        }
      }
      return diff / (48 * 64 * 3);
    };
    const [a, b] = [turned(true), turned(false)];
    expect(Math.min(a, b)).toBeLessThan(0.02);
    expect(Math.max(a, b)).toBeGreaterThan(0.1);
  });
});

// ---------- colour: a computed test pattern, encoded losslessly, must decode to the RGB it was made from ----------

const PATCHES: [number, number, number][] = [
  [0.8, 0.2, 0.1],
  [0.1, 0.7, 0.3],
  [0.2, 0.3, 0.9],
  [0.5, 0.5, 0.5],
  [0.9, 0.9, 0.2],
  [0.05, 0.05, 0.05],
];
const COEFFS = { bt601: { kr: 0.299, kb: 0.114 }, bt709: { kr: 0.2126, kb: 0.0722 } };
const SIZE = 16;

/** yuv444p bytes for the patches, by the textbook equations (not by ffmpeg), 8-bit. */
function patternYuv(matrix: 'bt601' | 'bt709', range: 'tv' | 'pc'): Buffer {
  const { kr, kb } = COEFFS[matrix];
  const width = SIZE * PATCHES.length;
  const planes = [Buffer.alloc(width * SIZE), Buffer.alloc(width * SIZE), Buffer.alloc(width * SIZE)];
  PATCHES.forEach(([r, g, b], p) => {
    const y = kr * r + (1 - kr - kb) * g + kb * b;
    const pb = (b - y) / (2 * (1 - kb));
    const pr = (r - y) / (2 * (1 - kr));
    const yuv =
      range === 'tv'
        ? [16 + 219 * y, 128 + 224 * pb, 128 + 224 * pr]
        : [255 * y, 128 + 255 * pb, 128 + 255 * pr];
    for (let row = 0; row < SIZE; row++) {
      for (let col = 0; col < SIZE; col++) {
        planes.forEach((plane, c) => (plane[row * width + p * SIZE + col] = Math.round(yuv[c]!)));
      }
    }
  });
  return Buffer.concat(planes);
}

async function writePattern(matrix: 'bt601' | 'bt709', range: 'tv' | 'pc'): Promise<string> {
  const raw = path.join(tmp.dir, `pattern-${matrix}-${range}.yuv`);
  writeFileSync(raw, patternYuv(matrix, range));
  const out = path.join(tmp.dir, `pattern-${matrix}-${range}.mkv`);
  const tag = matrix === 'bt709' ? 'bt709' : 'smpte170m';
  await ffmpeg([
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv444p',
    '-s',
    `${SIZE * PATCHES.length}x${SIZE}`,
    '-i',
    raw,
    '-c:v',
    'ffv1',
    '-colorspace',
    tag,
    '-color_primaries',
    tag,
    '-color_trc',
    tag,
    '-color_range',
    range,
    out,
  ]);
  return out;
}

/** Largest per-channel error between each patch centre and the RGB it was made from. */
async function patternError(file: string, info?: MediaInfo): Promise<number> {
  const [frame] = await collect(file, info ? { info } : {});
  let worst = 0;
  PATCHES.forEach((rgb, p) => {
    const i = (SIZE / 2) * frame!.stride + (p * SIZE + SIZE / 2) * 4;
    rgb.forEach((v, c) => (worst = Math.max(worst, Math.abs(frame!.data[i + c]! - v))));
  });
  return worst;
}

describe('colour conversion is explicit', () => {
  const TOLERANCE = 3 / 255; // 8-bit rounding of Y, Cb and Cr

  it('BT.601 and BT.709 limited-range patterns decode to their RGB; the wrong matrix would not', async () => {
    for (const matrix of ['bt601', 'bt709'] as const) {
      const file = await writePattern(matrix, 'tv');
      const info = await probeMedia(file);
      expect(info.color).toMatchObject({ matrix, range: 'tv', guesses: [] });
      expect(await patternError(file)).toBeLessThan(TOLERANCE);
      const other = matrix === 'bt601' ? 'bt709' : 'bt601';
      expect(await patternError(file, { ...info, color: { ...info.color, matrix: other } })).toBeGreaterThan(
        0.03,
      );
    }
  });

  it('full-range (pc) video decodes without the 16-235 stretch; as limited it would not', async () => {
    const file = await writePattern('bt709', 'pc');
    const info = await probeMedia(file);
    expect(info.color).toMatchObject({ matrix: 'bt709', range: 'pc' });
    expect(await patternError(file)).toBeLessThan(TOLERANCE);
    expect(await patternError(file, { ...info, color: { ...info.color, range: 'tv' } })).toBeGreaterThan(
      0.03,
    );
  });
});
