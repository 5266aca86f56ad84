import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { resetFfmpegLocation } from '../../core/src/media/ffmpeg.ts';
import { parseFfmpegBanner, probeMedia } from '../../core/src/media/probe.ts';
import { parseRational, snapFrameRate } from '../../core/src/media/rational.ts';
import { offsetTimecode } from '../../core/src/media/timecode.ts';
import { JobError } from '../../core/src/pipeline/types.ts';
import { ffmpeg, fixture, makeTempDir } from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

async function probeError(file: string): Promise<JobError> {
  const err = await probeMedia(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JobError);
  return err as JobError;
}

describe('probeMedia on the fixtures', () => {
  it('reads 23.976 exactly, counts frames, and finds the AAC audio', async () => {
    const info = await probeMedia(fixture('closeup-2398.mp4'));
    expect(info.frameRate).toEqual({ num: 24000, den: 1001 });
    expect(info.frameCount).toBe(36);
    expect([info.width, info.height]).toEqual([288, 288]);
    expect(info.audio).toMatchObject({ codec: 'aac', channels: 1, sampleRate: 22050 });
    expect(info.durationSeconds).toBeCloseTo(1.5015, 3);
    expect(info.hasAlpha).toBe(false);
    expect(info.color).toMatchObject({ matrix: 'bt601', range: 'tv', matrixTag: 'smpte170m', guesses: [] });
  });

  it('reads 29.97 exactly and the drop-frame timecode of a .mov', async () => {
    const info = await probeMedia(fixture('closeup-2997-tc.mov'));
    expect(info.frameRate).toEqual({ num: 30000, den: 1001 });
    expect(info.frameCount).toBe(45);
    expect(info.timecode).toBe('01:00:00;00');
    expect(info.audio?.codec).toBe('pcm_s16le');
  });

  it('reads the wide street clip', async () => {
    const info = await probeMedia(fixture('wide-street.mp4'));
    expect(info).toMatchObject({ width: 384, height: 288, frameCount: 48, frameRate: { num: 10, den: 1 } });
    expect(info.audio).toBeUndefined();
  });

  it('accepts a still image as one frame of RGB', async () => {
    const info = await probeMedia(fixture('astronaut-256.png'));
    expect(info).toMatchObject({ isStill: true, frameCount: 1, width: 256, height: 256 });
    expect(info.color.matrix).toBe('rgb');
  });

  it('counts packets when the container has no frame count (WebM), and guesses colour out loud', async () => {
    const webm = path.join(tmp.dir, 'untagged.webm');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=64x48:r=30000/1001:d=0.5',
      '-c:v',
      'libvpx-vp9',
      '-b:v',
      '100k',
      webm,
    ]);
    const info = await probeMedia(webm);
    expect(info.frameCountSource).toBe('packets');
    expect(info.frameCount).toBe(15);
    expect(info.frameRate).toEqual({ num: 30000, den: 1001 });
    expect(info.color.matrix).toBe('bt601');
    expect(info.color.guesses.join(' ')).toMatch(/assumed BT\.601 \(SD size\)/);
  });

  it('assumes BT.709 for untagged HD', async () => {
    const hd = path.join(tmp.dir, 'hd.mkv');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=gray:s=1280x720:d=0.04',
      '-c:v',
      'ffv1',
      '-pix_fmt',
      'yuv420p',
      hd,
    ]);
    const info = await probeMedia(hd);
    expect(info.color.matrix).toBe('bt709');
    expect(info.color.guesses.join(' ')).toMatch(/BT\.709 \(HD size\)/);
  });
});

describe('probeMedia errors name the file and the problem', () => {
  it('missing file → INPUT_MISSING', async () => {
    const err = await probeError(path.join(tmp.dir, 'nope.mov'));
    expect(err.code).toBe('INPUT_MISSING');
    expect(err.message).toContain('nope.mov');
  });

  it('a text file → INPUT_NOT_VIDEO, also when it is named .mp4', async () => {
    const txt = path.join(tmp.dir, 'notes.txt');
    writeFileSync(txt, 'shopping list: milk, eggs\n');
    const fake = path.join(tmp.dir, 'fake.mp4');
    writeFileSync(fake, 'this is not a video, only text\n');
    for (const f of [txt, fake]) {
      const err = await probeError(f);
      expect(err.code).toBe('INPUT_NOT_VIDEO');
      expect(err.message).toContain(path.basename(f));
      expect(err.hint).toBeTruthy();
    }
  });

  it('audio only → INPUT_NOT_VIDEO', async () => {
    const wav = path.join(tmp.dir, 'tone.wav');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.2', wav]);
    const err = await probeError(wav);
    expect(err.code).toBe('INPUT_NOT_VIDEO');
    expect(err.message).toMatch(/audio but no video/);
  });

  it('a truncated .mov whose index (moov) is lost → INPUT_CORRUPT', async () => {
    const src = fixture('closeup-2997-tc.mov');
    const cut = path.join(tmp.dir, 'cut.mov');
    copyFileSync(src, cut);
    await execa('truncate', ['-s', '40000', cut]);
    const err = await probeError(cut);
    expect(err.code).toBe('INPUT_CORRUPT');
    expect(err.message).toContain('cut.mov');
  });

  it('an empty file → INPUT_CORRUPT', async () => {
    const empty = path.join(tmp.dir, 'empty.mov');
    writeFileSync(empty, '');
    expect((await probeError(empty)).code).toBe('INPUT_CORRUPT');
  });
});

describe('exact rates and timecode arithmetic', () => {
  it('snaps NTSC spellings to x*1000/1001 and keeps other rates', () => {
    expect(snapFrameRate({ num: 2997, den: 100 })).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('23.98')).toEqual({ num: 24000, den: 1001 });
    expect(parseRational('24000/1001')).toEqual({ num: 24000, den: 1001 });
    expect(parseRational('25/1')).toEqual({ num: 25, den: 1 });
    expect(parseRational('25/2')).toEqual({ num: 25, den: 2 });
    expect(parseRational('0/0')).toBeNull();
  });

  it('offsets non-drop and drop-frame timecode', () => {
    const ntsc = { num: 30000, den: 1001 };
    expect(offsetTimecode('01:00:00:00', 48, { num: 24, den: 1 })).toBe('01:00:02:00');
    expect(offsetTimecode('00:00:59;29', 1, ntsc)).toBe('00:01:00;02'); // frames 00 and 01 are skipped
    expect(offsetTimecode('00:09:59;29', 1, ntsc)).toBe('00:10:00;00'); // ...except every tenth minute
    expect(offsetTimecode('01:00:00;00', 17982, ntsc)).toBe('01:10:00;00'); // 10 minutes of 29.97 DF
  });

  it('parses ffmpeg -i output when ffprobe is absent', () => {
    const banner = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mov':
  Duration: 00:00:01.50, start: 0.000000, bitrate: 500 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 400 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
    Metadata:
      timecode        : 01:00:00;00
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)`;
    const raw = parseFfmpegBanner(banner);
    expect(raw.streams[0]).toMatchObject({
      codec_name: 'h264',
      width: 1920,
      height: 1080,
      color_space: 'bt709',
      color_range: 'tv',
    });
    expect(snapFrameRate(parseRational(raw.streams[0]!.avg_frame_rate)!)).toEqual({ num: 30000, den: 1001 });
    expect(raw.streams[1]).toMatchObject({ codec_type: 'audio', codec_name: 'aac', channels: 2 });
    expect(raw.format.tags?.timecode).toBe('01:00:00;00');
  });
});

describe('without ffprobe (only the npm-bundled ffmpeg)', () => {
  it('reads the same facts from `ffmpeg -i` and a stream-copy frame count', async () => {
    const files = ['closeup-2398.mp4', 'closeup-2997-tc.mov', 'wide-street.mp4', 'astronaut-256.png'].map(
      fixture,
    );
    const withProbe = await Promise.all(files.map((f) => probeMedia(f)));
    process.env.MLXV_FFPROBE = 'none';
    resetFfmpegLocation();
    try {
      for (const [i, file] of files.entries()) {
        const info = await probeMedia(file);
        const expected = withProbe[i]!;
        expect(info.frameCountSource).toBe(expected.isStill ? 'still' : 'packets');
        for (const key of [
          'width',
          'height',
          'frameRate',
          'frameCount',
          'timecode',
          'hasAlpha',
          'isStill',
        ] as const) {
          expect([file, key, info[key]]).toEqual([file, key, expected[key]]);
        }
        expect(info.color.matrix).toBe(expected.color.matrix);
        expect(info.color.range).toBe(expected.color.range);
        expect(info.audio?.codec).toBe(expected.audio?.codec);
      }
      const txt = path.join(tmp.dir, 'also-not-video.txt');
      writeFileSync(txt, 'plain words\n');
      expect((await probeError(txt)).code).toBe('INPUT_NOT_VIDEO');
    } finally {
      delete process.env.MLXV_FFPROBE;
      resetFfmpegLocation();
    }
  });
});
