/**
 * The three ways to hide a face inside a rectangle of a float RGBA frame: blur (three box-blur passes, close
 * to a Gaussian, radius from the face size so the result is equally unreadable at every scale), pixelate
 * (blocks averaged, block size from the face size) and a solid box. Only pixels inside the rectangle change;
 * alpha is left as it is.
 */
import type { Frame } from '../frame.ts';

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type ObscureMethod = 'blur' | 'pixelate' | 'box';

/** A face box grown by `margin` (fraction of its size on each side), in whole pixels, clamped to the frame. */
export function paddedRect(
  box: { x: number; y: number; w: number; h: number },
  margin: number,
  width: number,
  height: number,
): Rect | null {
  const x0 = Math.max(0, Math.floor(box.x - box.w * margin));
  const y0 = Math.max(0, Math.floor(box.y - box.h * margin));
  const x1 = Math.min(width, Math.ceil(box.x + box.w * (1 + margin)));
  const y1 = Math.min(height, Math.ceil(box.y + box.h * (1 + margin)));
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

export function obscure(
  frame: Frame,
  rect: Rect,
  method: ObscureMethod,
  strength: number,
  color: readonly [number, number, number, number],
): void {
  const size = Math.min(rect.x1 - rect.x0, rect.y1 - rect.y0);
  if (method === 'box') return fill(frame, rect, color);
  if (method === 'pixelate') return pixelate(frame, rect, Math.max(2, Math.round(size * strength * 0.5)));
  return blur(frame, rect, Math.max(2, Math.round(size * strength)));
}

function fill(frame: Frame, r: Rect, color: readonly number[]): void {
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      const i = y * frame.stride + x * 4;
      for (let c = 0; c < 3; c++) frame.data[i + c] = color[c]!;
    }
  }
}

function pixelate(frame: Frame, r: Rect, block: number): void {
  for (let by = r.y0; by < r.y1; by += block) {
    for (let bx = r.x0; bx < r.x1; bx += block) {
      const ey = Math.min(r.y1, by + block);
      const ex = Math.min(r.x1, bx + block);
      const sum = [0, 0, 0];
      for (let y = by; y < ey; y++) {
        for (let x = bx; x < ex; x++)
          for (let c = 0; c < 3; c++) sum[c]! += frame.data[y * frame.stride + x * 4 + c]!;
      }
      const n = (ey - by) * (ex - bx);
      for (let y = by; y < ey; y++) {
        for (let x = bx; x < ex; x++)
          for (let c = 0; c < 3; c++) frame.data[y * frame.stride + x * 4 + c] = sum[c]! / n;
      }
    }
  }
}

/**
 * Three passes of a running-sum box blur over the rectangle's RGB, rows then columns. Samples outside the
 * rectangle are clamped to its edge, so the blur never reads (or carries) detail from outside and never
 * writes outside.
 */
function blur(frame: Frame, r: Rect, radius: number): void {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const buf = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (r.y0 + y) * frame.stride + (r.x0 + x) * 4;
      for (let c = 0; c < 3; c++) buf[(y * w + x) * 3 + c] = frame.data[i + c]!;
    }
  }
  const line = new Float32Array(Math.max(w, h) * 3);
  for (let pass = 0; pass < 3; pass++) {
    for (let y = 0; y < h; y++) blurLine(buf, y * w * 3, 3, w, radius, line);
    for (let x = 0; x < w; x++) blurLine(buf, x * 3, w * 3, h, radius, line);
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (r.y0 + y) * frame.stride + (r.x0 + x) * 4;
      for (let c = 0; c < 3; c++) frame.data[i + c] = buf[(y * w + x) * 3 + c]!;
    }
  }
}

function blurLine(
  buf: Float32Array,
  start: number,
  step: number,
  n: number,
  radius: number,
  line: Float32Array,
): void {
  const at = (i: number, c: number) => buf[start + Math.min(n - 1, Math.max(0, i)) * step + c]!;
  const norm = 1 / (2 * radius + 1);
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let i = -radius; i <= radius; i++) sum += at(i, c);
    for (let i = 0; i < n; i++) {
      line[i * 3 + c] = sum * norm;
      sum += at(i + radius + 1, c) - at(i - radius, c);
    }
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) buf[start + i * step + c] = line[i * 3 + c]!;
}
