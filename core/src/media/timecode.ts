/**
 * SMPTE timecode arithmetic, so a job that renders frames a..b writes the timecode of frame a, not of frame 0.
 * Drop-frame (";" separator, 29.97/59.94) skips frame numbers 0 and 1 (or 0-3 at 59.94) every minute except
 * every tenth minute, as SMPTE 12M specifies.
 */
import type { Rational } from './rational.ts';

interface Timecode {
  hours: number;
  minutes: number;
  seconds: number;
  frames: number;
  dropFrame: boolean;
}

const TIMECODE = /^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$/;

function parseTimecode(text: string): Timecode | null {
  const m = TIMECODE.exec(text.trim());
  if (!m) return null;
  return {
    hours: Number(m[1]),
    minutes: Number(m[2]),
    seconds: Number(m[3]),
    frames: Number(m[5]),
    dropFrame: m[4] === ';' || m[4] === ',',
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Timecode `frames` frames after `start` at `rate`; returns `start` unchanged when it cannot be parsed. */
export function offsetTimecode(start: string, frames: number, rate: Rational): string {
  const tc = parseTimecode(start);
  if (!tc) return start;
  const fps = Math.round(rate.num / rate.den);
  const dropFrame = tc.dropFrame && rate.den === 1001 && fps % 30 === 0;
  const drop = dropFrame ? (fps / 30) * 2 : 0;
  const framesPerMinute = fps * 60 - drop;
  const framesPer10Minutes = fps * 600 - drop * 9;

  // timecode label -> absolute frame number
  const totalMinutes = tc.hours * 60 + tc.minutes;
  let index = (totalMinutes * 60 + tc.seconds) * fps + tc.frames;
  if (dropFrame) index -= drop * (totalMinutes - Math.floor(totalMinutes / 10));
  index += frames;
  const perDay = dropFrame ? framesPer10Minutes * 144 : fps * 86400;
  index = ((index % perDay) + perDay) % perDay;

  // absolute frame number -> timecode label
  if (dropFrame) {
    const tens = Math.floor(index / framesPer10Minutes);
    const rem = index % framesPer10Minutes;
    index += drop * 9 * tens + (rem > drop ? drop * Math.floor((rem - drop) / framesPerMinute) : 0);
  }
  const ff = index % fps;
  const totalSeconds = Math.floor(index / fps);
  const sep = dropFrame ? ';' : ':';
  return `${pad(Math.floor(totalSeconds / 3600) % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}${sep}${pad(ff)}`;
}
