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
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';
import { fixture } from '../support/paths.ts';

export const opencvData = '/usr/share/doc/opencv-doc/examples/data';

function make(dir: string, name: string, args: string[]): string {
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
  return make(dir, 'text.mp4', [
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

export function makeClips(dir: string) {
  mkdirSync(dir, { recursive: true });
  const wide = fixture('wide-street.mp4');
  const close = fixture('closeup-2398.mp4');
  return {
    cut: make(dir, 'cut.mp4', [
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
    dissolve: make(dir, 'dissolve.mp4', [
      '-i',
      wide,
      '-i',
      close,
      '-filter_complex',
      `[0:v]${street(',fps=10[a]')};[1:v]${closeup(',fps=10[b]')};[a][b]xfade=transition=fade:duration=1.2:offset=3.6[v]`,
      '-map',
      '[v]',
    ]),
    fade: make(dir, 'fade.mp4', [
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
    pan: make(dir, 'pan.mp4', [
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
