/**
 * Decodes the two person detectors into person boxes.
 *
 * `decodePersonDetections`: the `person-detector` model (MobileNetV3-CenterNet, COCO-80, converted from TFJS without its TopK
 * post-processing) into person boxes. The model sees the image stretched to 512×512 (RGB 0..255) and outputs
 *  - `keypoints` [1, 128, 128, 80]: per-class centre heatmaps (sigmoid), one cell per 4 input pixels;
 *  - `wh` [1, 128, 128, 4]: distances from the cell's centre to the box's left, top, right, bottom, in input
 *    pixels.
 * Decoding does what the original graph did after those tensors (a peak is a cell equal to the max of its 3×3
 * neighbourhood; box = centre ∓ distances), without the graph's fixed top-100 cut, then suppresses overlaps.
 */

export interface PersonBox {
  /** Left, top, width, height in pixels of the original image. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Heatmap peak value, 0..1. */
  score: number;
}

/** An onnxruntime Tensor or anything shaped like one (data holds float32 values). */
export interface TensorLike {
  readonly data: ArrayLike<unknown>;
  readonly dims: readonly number[];
}

export interface PersonDecodeOptions {
  /** Size of the image the model input was made from (stretched to the model's input size). */
  imageWidth: number;
  imageHeight: number;
  /**
   * Tensor pixel → image pixel mapping (frameX = offsetX + tensorX · scaleX), e.g. frameToTensor()'s
   * `transform` for letterboxed or cropped inputs. Default: the stretch from input size to image size.
   */
  transform?: { scaleX: number; scaleY: number; offsetX: number; offsetY: number };
  /** Model input size in pixels (CenterNet: 512 × 512). */
  inputWidth?: number;
  inputHeight?: number;
  /** Minimum heatmap peak; 0.2 is the original app's default. */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. */
  iouThreshold?: number;
  /** Heatmap channel of the class to decode (COCO: 0 = person). */
  classIndex?: number;
  maxDetections?: number;
}

export function decodePersonDetections(
  outputs: { keypoints: TensorLike; wh: TensorLike },
  options: PersonDecodeOptions,
): PersonBox[] {
  const { keypoints, wh } = outputs;
  const [n, gh, gw, classes] = keypoints.dims as [number, number, number, number];
  if (keypoints.dims.length !== 4 || n !== 1)
    throw new Error(`person-detector: keypoints must be [1,H,W,C], got [${keypoints.dims.join(',')}]`);
  if (wh.dims.length !== 4 || wh.dims[1] !== gh || wh.dims[2] !== gw || wh.dims[3] !== 4)
    throw new Error(`person-detector: wh must be [1,${gh},${gw},4], got [${wh.dims.join(',')}]`);
  const inputW = options.inputWidth ?? 512;
  const inputH = options.inputHeight ?? 512;
  const minScore = options.minScore ?? 0.2;
  const cls = options.classIndex ?? 0;
  const strideX = inputW / gw;
  const strideY = inputH / gh;
  const heat = (y: number, x: number): number => Number(keypoints.data[(y * gw + x) * classes + cls]);

  const candidates: PersonBox[] = [];
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const s = heat(y, x);
      if (s < minScore || !isPeak(heat, y, x, gh, gw, s)) continue;
      const o = (y * gw + x) * 4;
      const cx = x * strideX; // the original decoder puts centres on the cell corner (no +0.5)
      const cy = y * strideY;
      const x1 = cx - Number(wh.data[o]);
      const y1 = cy - Number(wh.data[o + 1]);
      const x2 = cx + Number(wh.data[o + 2]);
      const y2 = cy + Number(wh.data[o + 3]);
      candidates.push(toImage(x1, y1, x2, y2, s, options, inputW, inputH));
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  return suppress(candidates, options.iouThreshold ?? 0.4, options.maxDetections ?? 100);
}

/** The graph's NMS substitute: a 3×3 max-pool (SAME padding) equal to the cell itself. */
function isPeak(
  heat: (y: number, x: number) => number,
  y: number,
  x: number,
  h: number,
  w: number,
  s: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy >= 0 && yy < h && xx >= 0 && xx < w && heat(yy, xx) > s) return false;
    }
  return true;
}

function toImage(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score: number,
  o: PersonDecodeOptions,
  inputW: number,
  inputH: number,
): PersonBox {
  const t = o.transform ?? {
    scaleX: o.imageWidth / inputW,
    scaleY: o.imageHeight / inputH,
    offsetX: 0,
    offsetY: 0,
  };
  const left = clamp(t.offsetX + x1 * t.scaleX, 0, o.imageWidth);
  const top = clamp(t.offsetY + y1 * t.scaleY, 0, o.imageHeight);
  const right = clamp(t.offsetX + x2 * t.scaleX, 0, o.imageWidth);
  const bottom = clamp(t.offsetY + y2 * t.scaleY, 0, o.imageHeight);
  return { x: left, y: top, w: Math.max(0, right - left), h: Math.max(0, bottom - top), score };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function iou(a: PersonBox, b: PersonBox): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression over boxes sorted by descending score. */
function suppress(sorted: PersonBox[], threshold: number, max: number): PersonBox[] {
  const kept: PersonBox[] = [];
  for (const b of sorted) {
    if (kept.length >= max) break;
    if (kept.every((k) => iou(k, b) <= threshold)) kept.push(b);
  }
  return kept;
}

/**
 * Decodes `person-detector-nanodet` (NanoDet-m 416, GFL head, Apache-2.0) into person boxes. Per stride s in
 * {8, 16, 32} the model gives `cls_<s>` [1, G², 80] class scores (sigmoid) and `reg_<s>` [1, G², 4·B] with,
 * for each box side (left, top, right, bottom), B logits over distances 0..B-1 in units of s. Decoding is
 * NanoDet's own: distance = Σ softmax(logits)·k·s from the cell centre ((x+0.5)·s, (y+0.5)·s).
 */
export function decodeNanoDetDetections(
  outputs: Record<string, TensorLike>,
  options: PersonDecodeOptions,
): PersonBox[] {
  const inputW = options.inputWidth ?? 416;
  const inputH = options.inputHeight ?? 416;
  const minScore = options.minScore ?? 0.4;
  const clsIndex = options.classIndex ?? 0;
  const candidates: PersonBox[] = [];
  for (const stride of [8, 16, 32]) {
    const cls = outputs[`cls_${stride}`];
    const reg = outputs[`reg_${stride}`];
    if (!cls || !reg)
      throw new Error(`person-detector-nanodet: outputs cls_${stride} and reg_${stride} are required`);
    const gw = Math.ceil(inputW / stride);
    const cells = cls.dims[1]!;
    const classes = cls.dims[2]!;
    const bins = reg.dims[2]! / 4;
    if (reg.dims[1] !== cells || !Number.isInteger(bins))
      throw new Error(
        `person-detector-nanodet: reg_${stride} [${reg.dims.join(',')}] does not fit cls_${stride}`,
      );
    for (let i = 0; i < cells; i++) {
      const score = Number(cls.data[i * classes + clsIndex]);
      if (score < minScore) continue;
      const [l, t, r, b] = [0, 1, 2, 3].map(
        (side) => expectedBin(reg.data, (i * 4 + side) * bins, bins) * stride,
      );
      const cx = ((i % gw) + 0.5) * stride;
      const cy = (Math.floor(i / gw) + 0.5) * stride;
      candidates.push(toImage(cx - l!, cy - t!, cx + r!, cy + b!, score, options, inputW, inputH));
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  return suppress(candidates, options.iouThreshold ?? 0.4, options.maxDetections ?? 100);
}

/** Σ softmax(logits)·k over one side's distance bins (the GFL "integral"). */
function expectedBin(data: ArrayLike<unknown>, offset: number, bins: number): number {
  let max = -Infinity;
  for (let k = 0; k < bins; k++) max = Math.max(max, Number(data[offset + k]));
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp(Number(data[offset + k]) - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}
