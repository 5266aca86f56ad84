import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { createEncoder, type Encoder, type EncoderOptions } from '../../core/src/media/encode.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import type { FrameRange } from '../../core/src/pipeline/types.ts';
import { JobError } from '../../core/src/pipeline/types.ts';
import {
  ffmpegAlphaPlanes,
  ffprobeStreams,
  fixture,
  makeTempDir,
  solidFrame,
  testAlpha,
  withTestAlpha,
} from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

/** Decodes `src` (optionally a range), stamps the known test alpha on every frame and encodes it. */
async function transcode(
  src: string,
  output: string,
  format: EncoderOptions['format'],
  extra: Partial<EncoderOptions> & { range?: FrameRange; withAudio?: boolean } = {},
): Promise<Encoder> {
  const info = await probeMedia(src);
  const { range, withAudio = true, ...rest } = extra;
  const first = range?.start ?? 0;
  const count = (range?.end ?? info.frameCount - 1) - first + 1;
  const seconds = (n: number) => (n * info.frameRate.den) / info.frameRate.num;
  const encoder = await createEncoder({
    output,
    format,
    width: info.width,
    height: info.height,
    frameRate: info.frameRate,
    color: info.color,
    ...(info.timecode ? { timecode: info.timecode } : {}),
    ...(withAudio && info.audio
      ? { audioSource: { path: src, startSeconds: seconds(first), durationSeconds: seconds(count) } }
      : {}),
    ...rest,
  });
  let n = 0;
  for await (const frame of decodeFrames(src, { info, ...(range ? { range } : {}) })) {
    await encoder.write(withTestAlpha(frame, n++));
  }
  await encoder.finish();
  return encoder;
}

/** Mean and worst |decoded - written| alpha over all frames, plus the spread of decoded alpha. */
function alphaStats(planes: Uint16Array[], width: number, height: number) {
  let sum = 0;
  let worst = 0;
  let min = 1;
  let max = 0;
  planes.forEach((plane, n) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const got = plane[y * width + x]! / 65535;
        const diff = Math.abs(got - testAlpha(x, width, n));
        sum += diff;
        worst = Math.max(worst, diff);
        min = Math.min(min, got);
        max = Math.max(max, got);
      }
    }
  });
  return { mean: sum / (planes.length * width * height), worst, spread: max - min };
}

function assertNoLeftovers(dir: string, finalName?: string) {
  const names = readdirSync(dir);
  expect(names.filter((n) => n.includes('.partial-'))).toEqual([]);
  if (finalName) expect(names).not.toContain(finalName);
}

describe('ProRes 4444 .mov', () => {
  it('keeps 23.976, every frame, the AAC audio (copied) and colour tags, and really carries the alpha', async () => {
    const src = fixture('closeup-2398.mp4');
    const out = path.join(tmp.dir, 'closeup.mov');
    const encoder = await transcode(src, out, 'prores4444');
    expect(encoder.audio).toBe('copy');

    const [video, audio] = await ffprobeStreams(out);
    expect(video).toMatchObject({
      codec_name: 'prores',
      r_frame_rate: '24000/1001',
      avg_frame_rate: '24000/1001',
    });
    expect(video!.pix_fmt).toMatch(/^yuva444p/);
    expect(video!.nb_read_frames).toBe('36');
    expect(video).toMatchObject({
      color_space: 'smpte170m',
      color_range: 'tv',
      color_primaries: 'smpte170m',
    });
    const [srcAudio] = (await ffprobeStreams(src)).filter((s) => s.codec_type === 'audio');
    expect(audio).toMatchObject({ codec_type: 'audio', codec_name: srcAudio!.codec_name });
    expect(Math.abs(Number(audio!.duration) - Number(srcAudio!.duration))).toBeLessThan(0.05);

    // Alpha read back by ffmpeg itself: present, varying, and equal to what was written.
    const stats = alphaStats(await ffmpegAlphaPlanes(out, 288, 288), 288, 288);
    expect(stats.spread).toBeGreaterThan(0.95);
    expect(stats.worst).toBeLessThan(2 / 255);

    // Colour survives the round trip (decode → RGB → ProRes → decode).
    const info = await probeMedia(out);
    expect(info).toMatchObject({ hasAlpha: true, frameCount: 36, frameRate: { num: 24000, den: 1001 } });
    const original = decodeFrames(src, { range: { start: 5, end: 5 } });
    const again = decodeFrames(out, { range: { start: 5, end: 5 } });
    const a = (await original.next()).value!;
    const b = (await again.next()).value!;
    let diff = 0;
    for (let i = 0; i < a.data.length; i += 4)
      for (let c = 0; c < 3; c++) diff += Math.abs(a.data[i + c]! - b.data[i + c]!);
    expect(diff / ((a.data.length / 4) * 3)).toBeLessThan(0.01);
    expect(b.data[3 + 4 * 100]).toBeCloseTo(testAlpha(100, 288, 5), 2);
    assertNoLeftovers(tmp.dir);
  });

  it('keeps 29.97, drop-frame timecode and PCM audio', async () => {
    const src = fixture('closeup-2997-tc.mov');
    const out = path.join(tmp.dir, 'closeup-2997.mov');
    const encoder = await transcode(src, out, 'prores4444');
    expect(encoder.audio).toBe('copy');
    const info = await probeMedia(out);
    expect(info).toMatchObject({
      frameCount: 45,
      frameRate: { num: 30000, den: 1001 },
      timecode: '01:00:00;00',
    });
    expect(info.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 16000 });
    expect(info.audio!.durationSeconds).toBeCloseTo(1.5015, 2);
    expect((await ffprobeStreams(out))[0]!.nb_read_frames).toBe('45');
  });
});

describe('PNG sequence', () => {
  it('writes 16-bit RGBA files whose alpha is what was written, one per frame', async () => {
    const out = path.join(tmp.dir, 'street-png');
    const encoder = await transcode(fixture('closeup-2398.mp4'), out, 'png-sequence', {
      range: { start: 0, end: 4 },
    });
    expect(encoder.audio).toBe('dropped');
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'frame_000000.png',
      'frame_000001.png',
      'frame_000002.png',
      'frame_000003.png',
      'frame_000004.png',
    ]);
    for (const [n, name] of files.entries()) {
      const image = sharp(path.join(out, name));
      const meta = await image.metadata();
      expect(meta).toMatchObject({ channels: 4, depth: 'ushort', hasAlpha: true, width: 288, height: 288 });
      // rgb16: without it sharp's pipeline reduces samples to 8 bits even in a ushort buffer.
      const { data } = await image
        .toColourspace('rgb16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const samples = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
      let worst = 0;
      for (let x = 0; x < 288; x++) {
        const row = 150 * 288 * 4;
        worst = Math.max(worst, Math.abs(samples[row + x * 4 + 3]! / 65535 - testAlpha(x, 288, n)));
      }
      expect(worst).toBeLessThan(1 / 65535 + 1e-9);
    }
    assertNoLeftovers(tmp.dir);
  });

  it('writes an 8-bit numbered pattern starting at the first frame number', async () => {
    const dir = path.join(tmp.dir, 'pattern');
    mkdirSync(dir);
    await transcode(fixture('wide-street.mp4'), path.join(dir, 'f_%04d.png'), 'png-sequence', {
      range: { start: 10, end: 12 },
      imageBitDepth: 8,
      firstFrameNumber: 10,
    });
    expect(readdirSync(dir).sort()).toEqual(['f_0010.png', 'f_0011.png', 'f_0012.png']);
    const meta = await sharp(path.join(dir, 'f_0011.png')).metadata();
    expect(meta).toMatchObject({ channels: 4, depth: 'uchar' });
  });
});

describe('EXR sequence', () => {
  it('writes numbered half-float RGBA EXRs in linear light, from the first frame number', async () => {
    const dir = path.join(tmp.dir, 'exr');
    mkdirSync(dir);
    const src = fixture('closeup-2398.mp4');
    const range = { start: 3, end: 5 };
    const encoder = await transcode(src, path.join(dir, 'shot_%04d.exr'), 'exr-sequence', {
      range,
      firstFrameNumber: 3,
    });
    expect(encoder.audio).toBe('dropped');
    expect(encoder.notes.join('\n')).toContain('an EXR sequence cannot carry audio');
    expect(readdirSync(dir).sort()).toEqual(['shot_0003.exr', 'shot_0004.exr', 'shot_0005.exr']);
    const info = await probeMedia(src);
    const sourceFrames: { data: Float32Array; stride: number }[] = [];
    for await (const f of decodeFrames(src, { info, range })) {
      sourceFrames.push({ data: Float32Array.from(f.data), stride: f.stride });
    }
    const { width, height } = info;
    const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    for (const [n, name] of ['shot_0003.exr', 'shot_0004.exr', 'shot_0005.exr'].entries()) {
      const file = path.join(dir, name);
      expect((await ffprobeStreams(file))[0]).toMatchObject({ codec_name: 'exr', width, height });
      // ffmpeg's raw float read of the file (planar G, B, R, A), not our decoder.
      const { stdout } = await execa(
        'ffmpeg',
        ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gbrapf32le', 'pipe:1'],
        { encoding: 'buffer', maxBuffer: 1 << 26 },
      );
      const bytes = Buffer.from(stdout);
      const planes = new Float32Array(bytes.buffer, bytes.byteOffset, width * height * 4);
      const plane = (c: number, i: number) => planes[c * width * height + i]!;
      let alphaWorst = 0;
      let rgbSum = 0;
      const frame = sourceFrames[n]!;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          alphaWorst = Math.max(alphaWorst, Math.abs(plane(3, i) - testAlpha(x, width, n)));
          for (const [c, k] of [
            [2, 0],
            [0, 1],
            [1, 2],
          ] as const) {
            rgbSum += Math.abs(plane(c, i) - toLinear(frame.data[y * frame.stride + x * 4 + k]!));
          }
        }
      }
      // Half floats: 11 significant bits, so alpha (0..1) is within 2^-11 of what was written.
      expect(alphaWorst).toBeLessThan(1 / 1024);
      expect(rgbSum / (width * height * 3)).toBeLessThan(0.002);
    }
    assertNoLeftovers(dir);
  });
});

describe('WebM VP9 with alpha', () => {
  it('carries alpha readable by libvpx, and transcodes AAC to Opus (WebM cannot carry AAC)', async () => {
    const out = path.join(tmp.dir, 'closeup.webm');
    const encoder = await transcode(fixture('closeup-2398.mp4'), out, 'webm-vp9', {
      range: { start: 0, end: 11 },
    });
    expect(encoder.audio).toBe('transcode');
    expect(encoder.notes.join(' ')).toMatch(/aac → Opus/);
    const [video, audio] = await ffprobeStreams(out);
    expect(video).toMatchObject({ codec_name: 'vp9', nb_read_frames: '12' });
    expect(video!.tags?.alpha_mode ?? video!.tags?.ALPHA_MODE).toBe('1');
    expect(audio!.codec_name).toBe('opus');
    const stats = alphaStats(await ffmpegAlphaPlanes(out, 288, 288, 'libvpx-vp9'), 288, 288);
    expect(stats.spread).toBeGreaterThan(0.9);
    expect(stats.mean).toBeLessThan(0.03); // lossy, but the ramp is there
    const info = await probeMedia(out);
    expect(info).toMatchObject({ hasAlpha: true, frameCount: 12, frameRate: { num: 24000, den: 1001 } });
    // Our decoder picks libvpx for alpha WebM too.
    const first = (await decodeFrames(out, { info, range: { start: 0, end: 0 } }).next()).value!;
    expect(first.data[3 + 4 * (150 * 288 + 10)]).toBeLessThan(0.15);
    expect(first.data[3 + 4 * (150 * 288 + 270)]).toBeGreaterThan(0.85);
  });
});

describe('H.264 for composites', () => {
  it('writes opaque 4:2:0 with every frame', async () => {
    const out = path.join(tmp.dir, 'street.mp4');
    await transcode(fixture('wide-street.mp4'), out, 'h264', { range: { start: 0, end: 5 } });
    const [video] = await ffprobeStreams(out);
    expect(video).toMatchObject({
      codec_name: 'h264',
      pix_fmt: 'yuv420p',
      nb_read_frames: '6',
      r_frame_rate: '10/1',
    });
    expect((await probeMedia(out)).hasAlpha).toBe(false);
  });
});

describe('frame layout and sizes', () => {
  it('honours row stride: padding floats (even NaN) never reach the file', async () => {
    const width = 5;
    const height = 3;
    const stride = width * 4 + 8;
    const data = new Float32Array(stride * height).fill(Number.NaN); // padding is garbage
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data.set([x / 4, y / 2, 0.5, (x + y) / 8], y * stride + x * 4);
    }
    const out = path.join(tmp.dir, 'stride');
    const encoder = await createEncoder({
      output: out,
      format: 'png-sequence',
      width,
      height,
      frameRate: { num: 25, den: 1 },
      imageBitDepth: 8,
    });
    await encoder.write({ width, height, stride, format: 'f32', data, colorSpace: 'display' });
    await encoder.finish();
    const { data: px } = await sharp(path.join(out, 'frame_000000.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const expected = [x / 4, y / 2, 0.5, (x + y) / 8].map((v) => Math.round(v * 255));
        expect([...px.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)]).toEqual(expected);
      }
    }
  });

  it('encodes odd-sized H.264 as 4:4:4 instead of failing', async () => {
    const out = path.join(tmp.dir, 'odd.mp4');
    const encoder = await createEncoder({
      output: out,
      format: 'h264',
      width: 33,
      height: 17,
      frameRate: { num: 30000, den: 1001 },
    });
    for (let i = 0; i < 3; i++) await encoder.write(solidFrame(33, 17, [0.3, 0.6, 0.9, 1]));
    await encoder.finish();
    const [video] = await ffprobeStreams(out);
    expect(video).toMatchObject({ pix_fmt: 'yuv444p', nb_read_frames: '3', r_frame_rate: '30000/1001' });
  });
});

describe('nothing half-written under the final name', () => {
  const options = (output: string): EncoderOptions => ({
    output,
    format: 'prores4444',
    width: 64,
    height: 48,
    frameRate: { num: 24000, den: 1001 },
  });

  it('abort removes the temporary file and leaves an existing output untouched', async () => {
    const dir = path.join(tmp.dir, 'abort');
    mkdirSync(dir);
    const fresh = await createEncoder(options(path.join(dir, 'new.mov')));
    expect(existsSync(fresh.tempPath)).toBe(true);
    for (let i = 0; i < 3; i++) await fresh.write(solidFrame(64, 48, [0.2, 0.4, 0.6, 0.5]));
    await fresh.abort();
    expect(existsSync(fresh.tempPath)).toBe(false);
    assertNoLeftovers(dir, 'new.mov');

    const existing = path.join(dir, 'old.mov');
    writeFileSync(existing, 'previous render');
    const replacing = await createEncoder({ ...options(existing), overwrite: true });
    await replacing.write(solidFrame(64, 48, [0.2, 0.4, 0.6, 0.5]));
    await replacing.abort();
    await replacing.abort(); // idempotent
    expect(readFileSync(existing, 'utf8')).toBe('previous render');
    assertNoLeftovers(dir);
  });

  it('abort after finish keeps the finished file; a PNG folder abort leaves no folder', async () => {
    const dir = path.join(tmp.dir, 'finish-then-abort');
    mkdirSync(dir);
    const encoder = await createEncoder(options(path.join(dir, 'done.mov')));
    await encoder.write(solidFrame(64, 48, [1, 0, 0, 1]));
    await encoder.finish();
    await encoder.abort();
    expect((await probeMedia(path.join(dir, 'done.mov'))).frameCount).toBe(1);

    const png = await createEncoder({ ...options(path.join(dir, 'frames')), format: 'png-sequence' });
    await png.write(solidFrame(64, 48, [1, 0, 0, 1]));
    await png.abort();
    expect(readdirSync(dir)).toEqual(['done.mov']);
  });

  it('refuses an existing output unless told to overwrite', async () => {
    const existing = path.join(tmp.dir, 'keep.mov');
    writeFileSync(existing, 'keep me');
    const err = await createEncoder(options(existing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('OUTPUT_EXISTS');
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });

  it('an unwritable output folder fails with OUTPUT_UNWRITABLE before any work', async () => {
    const notAFolder = path.join(tmp.dir, 'plain-file');
    writeFileSync(notAFolder, 'x');
    // sysfs refuses new files even to root.
    const targets = [
      path.join(notAFolder, 'out.mov'),
      path.join(notAFolder, 'sub', 'out.webm'),
      '/sys/mlxv-out.mov',
    ];
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      // Permission bits do not stop root, so this case only runs for ordinary users.
      const locked = path.join(tmp.dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      targets.push(path.join(locked, 'out.mov'));
    }
    for (const output of targets) {
      const err = await createEncoder({
        ...options(output),
        format: output.endsWith('.webm') ? 'webm-vp9' : 'prores4444',
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobError);
      expect((err as JobError).code).toBe('OUTPUT_UNWRITABLE');
      expect((err as JobError).message).toContain(output);
      expect((err as JobError).hint).toMatch(/output folder/);
      expect(readdirSync(tmp.dir).filter((n) => n.includes('.partial-'))).toEqual([]);
    }
  });
});
