/**
 * The visible "SYNTHETIC" mark every face-puppet frame carries: white capitals on a dark box in a chosen
 * corner, sized from the frame height so it stays readable from thumbnails to 4K. A built-in 5x7 bitmap
 * font (only these letters) keeps it independent of installed fonts, so every machine stamps the same pixels.
 */
import type { F32Frame } from '../frame.ts';

export const MARK_TEXT = 'SYNTHETIC';
export const MARK_POSITIONS = ['bottom-right', 'bottom-left', 'top-right', 'top-left'] as const;
export type MarkPosition = (typeof MARK_POSITIONS)[number];

/** 5 columns x 7 rows per letter, one string per row ('#' = ink). */
const GLYPHS: Record<string, readonly string[]> = {
  S: [' ####', '#    ', '#    ', ' ### ', '    #', '    #', '#### '],
  Y: ['#   #', '#   #', ' # # ', '  #  ', '  #  ', '  #  ', '  #  '],
  N: ['#   #', '##  #', '# # #', '#  ##', '#   #', '#   #', '#   #'],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  I: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '#####'],
  C: [' ####', '#    ', '#    ', '#    ', '#    ', '#    ', ' ####'],
};

export interface MarkLayout {
  /** The dark box, frame pixels (x0, y0 inclusive; x1, y1 exclusive). */
  box: { x0: number; y0: number; x1: number; y1: number };
  /** Size of one font pixel in frame pixels. */
  cell: number;
  /** Top-left of the first letter. */
  textX: number;
  textY: number;
}

/** Where the mark goes in a width x height frame. */
export function markLayout(width: number, height: number, position: MarkPosition): MarkLayout {
  // ~4% of the height per letter, at least 2 px per font pixel; shrunk if the text would not fit the width.
  const cell = Math.max(1, Math.min(Math.max(2, Math.round(height / 170)), Math.floor((width - 8) / 60)));
  const textW = (MARK_TEXT.length * 6 - 1) * cell;
  const textH = 7 * cell;
  const pad = 2 * cell;
  const margin = Math.max(2, Math.round(height / 60));
  const bw = textW + 2 * pad;
  const bh = textH + 2 * pad;
  const x0 = position.endsWith('right') ? width - margin - bw : margin;
  const y0 = position.startsWith('bottom') ? height - margin - bh : margin;
  return {
    box: {
      x0: Math.max(0, x0),
      y0: Math.max(0, y0),
      x1: Math.min(width, x0 + bw),
      y1: Math.min(height, y0 + bh),
    },
    cell,
    textX: x0 + pad,
    textY: y0 + pad,
  };
}

/** Whether font pixel (col, row) of the text is ink; col counts across all letters (6 per letter). */
export function markInk(col: number, row: number): boolean {
  const letter = MARK_TEXT[Math.floor(col / 6)];
  const c = col % 6;
  return letter !== undefined && c < 5 && GLYPHS[letter]![row]?.[c] === '#';
}

/** Stamps the mark into the frame (in place): the box darkens what is under it to 25%, ink is white. */
export function stampMark(frame: F32Frame, position: MarkPosition): MarkLayout {
  const layout = markLayout(frame.width, frame.height, position);
  const { box, cell, textX, textY } = layout;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const col = Math.floor((x - textX) / cell);
      const row = Math.floor((y - textY) / cell);
      const ink = x >= textX && y >= textY && row < 7 && markInk(col, row);
      const o = y * frame.stride + x * 4;
      for (let c = 0; c < 3; c++) frame.data[o + c] = ink ? 1 : frame.data[o + c]! * 0.25;
      frame.data[o + 3] = 1;
    }
  }
  return layout;
}
