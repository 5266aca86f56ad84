/**
 * Test clips for the analysis tests, made with ffmpeg from the real fixture clips (and, for the pan, a real
 * photo from Debian's opencv-doc), so every boundary is known by construction:
 * - cut.mp4: wide-street (48 frames) | close-up (36) | wide-street from its frame 10 (38): cuts at 48 and 84;
 * - dissolve.mp4: wide-street cross-dissolving into the close-up over 1.2 s from 3.6 s (xfade), at 10 fps:
 *   frames 36-48 are the mix (36 is still pure street, 48 pure close-up);
 * - fade.mp4: wide-street fading out over frames 30-39, black, the close-up fading in over frames 52-59;
 * - pan.mp4: a 320x240 window panning across opencv-doc's building.jpg at 60 px/s, 25 fps (a camera move,
 *   no cut).
 * - text.mp4: two real photos held 1.5 s each at 10 fps, 640x360: opencv-doc's messi5.jpg (footballers,
 *   "unicef" printed on a shirt) then imageTextN.png (a page of printed text): a cut at frame 15.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { smallFrames } from '../../core/src/analysis/frame-source.ts';
import type { MarkerSource } from '../../core/src/analysis/markers/index.ts';
import { classifyMotion } from '../../core/src/analysis/motion.ts';
import { ShotDetector } from '../../core/src/analysis/shots.ts';
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import { offsetTimecode } from '../../core/src/media/timecode.ts';
import { fixture } from '../support/paths.ts';

export const opencvData = '/usr/share/doc/opencv-doc/examples/data';

/** dir/name encoded by ffmpeg from `args` (inputs and filters) as H.264 yuv420p, unless it exists already. */
export function encodeClip(dir: string, name: string, args: string[]): string {
  const out = join(dir, name);
  if (!existsSync(out)) {
    execFileSync(ffmpegPath(), [
      '-v',
      'error',
      '-y',
      ...args,
      '-c:v',
      'libx264',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      out,
    ]);
  }
  return out;
}

const street = (label: string) => `setpts=N/10/TB,format=yuv420p${label}`;
const closeup = (label: string) => `scale=384:288,setsar=1,setpts=N/10/TB,format=yuv420p${label}`;

const still = (label: string, pad = 'black') =>
  `scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2:color=${pad},setsar=1,fps=10,format=yuv420p${label}`;

export function makeTextClip(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return encodeClip(dir, 'text.mp4', [
    '-loop',
    '1',
    '-t',
    '1.5',
    '-i',
    join(opencvData, 'messi5.jpg'),
    '-loop',
    '1',
    '-t',
    '1.5',
    '-i',
    join(opencvData, 'imageTextN.png'),
    '-filter_complex',
    `[0:v]${still('[a]')};[1:v]${still('[b]', 'white')};[a][b]concat=n=2:v=1:a=0[v]`,
    '-map',
    '[v]',
  ]);
}

/**
 * tinted.mp4: the wide-street fixture tinted red | green | blue, 1.5 s each at 10 fps, 256x192: hard cuts
 * at frames 15 and 30 (semantic search tests: a colour word must find its shot).
 */
export function makeTintedClip(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const tint = (mix: string, label: string) =>
    `[0:v]trim=0:1.5,setpts=PTS-STARTPTS,scale=256:192,colorchannelmixer=${mix},fps=10,format=yuv420p[${label}]`;
  return encodeClip(dir, 'tinted.mp4', [
    ...['-i', fixture('wide-street.mp4')],
    '-filter_complex',
    [
      tint('rr=1:rg=0.3:rb=0.3:gr=0:gg=0.15:gb=0:br=0:bg=0:bb=0.15', 'r'),
      tint('rr=0.15:rg=0:rb=0:gr=0.3:gg=1:gb=0.3:br=0:bg=0:bb=0.15', 'g'),
      tint('rr=0.15:rg=0:rb=0:gr=0:gg=0.15:gb=0:br=0.3:bg=0.3:bb=1', 'b'),
      '[r][g][b]concat=n=3:v=1[out]',
    ].join(';'),
    ...['-map', '[out]'],
  ]);
}

export function makeClips(dir: string) {
  mkdirSync(dir, { recursive: true });
  const wide = fixture('wide-street.mp4');
  const close = fixture('closeup-2398.mp4');
  return {
    cut: encodeClip(dir, 'cut.mp4', [
      '-i',
      wide,
      '-i',
      close,
      '-i',
      wide,
      '-filter_complex',
      `[0:v]${street('[a]')};[1:v]${closeup('[b]')};[2:v]trim=start_frame=10,${street('[c]')};[a][b][c]concat=n=3:v=1:a=0[v]`,
      '-map',
      '[v]',
      '-r',
      '10',
    ]),
    dissolve: encodeClip(dir, 'dissolve.mp4', [
      '-i',
      wide,
      '-i',
      close,
      '-filter_complex',
      `[0:v]${street(',fps=10[a]')};[1:v]${closeup(',fps=10[b]')};[a][b]xfade=transition=fade:duration=1.2:offset=3.6[v]`,
      '-map',
      '[v]',
    ]),
    fade: encodeClip(dir, 'fade.mp4', [
      '-i',
      wide,
      '-i',
      close,
      '-filter_complex',
      `[0:v]${street(',fade=t=out:start_frame=30:nb_frames=10[a]')};[1:v]${closeup(',fade=t=in:start_frame=4:nb_frames=8[b]')};[a][b]concat=n=2:v=1:a=0[v]`,
      '-map',
      '[v]',
      '-r',
      '10',
    ]),
    pan: encodeClip(dir, 'pan.mp4', [
      '-loop',
      '1',
      '-i',
      join(opencvData, 'building.jpg'),
      '-vf',
      "crop=320:240:x='min(iw-320,t*60)':y=40,fps=25",
      '-t',
      '3',
    ]),
  };
}

/** Real shot boundaries of a clip with stand-in descriptions (no models: this test is about the formats). */
export async function shotSource(file: string): Promise<MarkerSource> {
  const info = await probeMedia(file);
  const det = new ShotDetector();
  for await (const f of smallFrames(info, 96)) det.push(f);
  const tc = info.timecode ?? '00:00:00:00';
  const shots = det.finish().shots.map((s, i) => ({
    shot: i + 1,
    start: s.start,
    end: s.end,
    startTimecode: offsetTimecode(tc, s.start, info.frameRate),
    endTimecode: offsetTimecode(tc, s.end, info.frameRate),
    black: s.black,
    objects: { person: i + 1 },
    tags: [{ label: 'street', synonyms: [], score: 0.5 }],
    areas: {},
    faces: { count: 0, largestHeight: 0 },
    scale: 'wide' as const,
    text: i === 1 ? ['EXIT, "this way"', 'second line'] : [],
    lighting: null,
    motion: classifyMotion([], 25),
    colours: [],
    sampledFrames: [],
  }));
  return {
    file,
    analysisVersion: 1,
    width: info.width,
    height: info.height,
    frameRate: info.frameRate,
    frameCount: det.frameCount,
    startTimecode: tc,
    shots,
  };
}
