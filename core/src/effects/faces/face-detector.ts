/**
 * Faces at every size in a frame with BlazeFace (MediaPipe, "back camera" 256x256 model, Apache-2.0; manifest
 * `blazeface`). One letterboxed pass over the whole frame finds faces down to about 1/12 of the frame's longer
 * side; wide shots also get overlapping square tiles so a face 20 px tall in a 1080p street scene is seen at
 * a size the network knows. Detections from all passes merge by weighted non-maximum suppression (MediaPipe's
 * own blending, which steadies the box between frames better than keeping the single best box).
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type Box, type PackedTensor } from '../../runtime/tensor.ts';
import { acceptsBatch, cutByInnerTileEdge, overlappingTiles } from '../shared/detection-tiles.ts';

export const FACE_MODEL_ID = 'blazeface';
const INPUT = 256;

export interface FaceBox {
  /** Frame pixels, top-left corner and size. */
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  /** Six keypoints in frame pixels: right eye, left eye, nose tip, mouth, right ear, left ear (subject's). */
  keypoints: readonly (readonly [number, number])[];
}

interface Anchor {
  cx: number;
  cy: number;
}

/**
 * The SSD anchors of the back-camera model (MediaPipe ssd_anchors_calculator: 4 layers, strides 16/32/32/32,
 * offset 0.5, fixed anchor size): 2 per cell on the 16x16 grid, then 6 per cell on the 8x8 grid (the three
 * stride-32 layers share a grid). Order matches the model outputs.
 */
function makeAnchors(grid: number, perCell: number): Anchor[] {
  const anchors: Anchor[] = [];
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      for (let k = 0; k < perCell; k++) anchors.push({ cx: (x + 0.5) / grid, cy: (y + 0.5) / grid });
    }
  }
  return anchors;
}
const HEADS = [
  { scores: 'scores_16', boxes: 'boxes_16', anchors: makeAnchors(16, 2) },
  { scores: 'scores_8', boxes: 'boxes_8', anchors: makeAnchors(8, 6) },
] as const;

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, v))));

export function faceIou(
  a: Pick<FaceBox, 'x' | 'y' | 'w' | 'h'>,
  b: Pick<FaceBox, 'x' | 'y' | 'w' | 'h'>,
): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Raw model outputs of one pass -> face boxes in frame pixels (through the packing transform). */
export function decodeBlazeFace(
  outputs: Record<string, { data: unknown }>,
  packed: Pick<PackedTensor, 'transform'>,
  minScore: number,
): FaceBox[] {
  const t = packed.transform;
  const toFrame = (nx: number, ny: number): [number, number] => [
    t.offsetX + nx * INPUT * t.scaleX,
    t.offsetY + ny * INPUT * t.scaleY,
  ];
  const faces: FaceBox[] = [];
  for (const head of HEADS) {
    const scores = outputs[head.scores]?.data as Float32Array | undefined;
    const boxes = outputs[head.boxes]?.data as Float32Array | undefined;
    if (!scores || !boxes) throw new Error(`face detector output ${head.scores}/${head.boxes} missing`);
    head.anchors.forEach((a, i) => {
      const score = sigmoid(scores[i]!);
      if (score < minScore) return;
      const r = boxes.subarray(i * 16, i * 16 + 16);
      const cx = a.cx + r[0]! / INPUT;
      const cy = a.cy + r[1]! / INPUT;
      const w = r[2]! / INPUT;
      const h = r[3]! / INPUT;
      const [x0, y0] = toFrame(cx - w / 2, cy - h / 2);
      const [x1, y1] = toFrame(cx + w / 2, cy + h / 2);
      const keypoints: [number, number][] = [];
      for (let k = 0; k < 6; k++)
        keypoints.push(toFrame(a.cx + r[4 + 2 * k]! / INPUT, a.cy + r[5 + 2 * k]! / INPUT));
      faces.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0, score, keypoints });
    });
  }
  return faces;
}

/**
 * Weighted NMS: overlapping detections of one face are averaged, weighted by score, and the cluster keeps
 * its best score. Clusters are formed around the highest-scoring remaining box.
 */
export function blendFaces(faces: FaceBox[], threshold = 0.3): FaceBox[] {
  const rest = [...faces].sort((a, b) => b.score - a.score);
  const out: FaceBox[] = [];
  while (rest.length > 0) {
    const best = rest[0]!;
    const cluster = rest.filter((f) => faceIou(best, f) > threshold);
    const keep = rest.filter((f) => faceIou(best, f) <= threshold);
    rest.length = 0;
    rest.push(...keep);
    const total = cluster.reduce((s, f) => s + f.score, 0);
    const avg = (get: (f: FaceBox) => number) => cluster.reduce((s, f) => s + get(f) * f.score, 0) / total;
    out.push({
      x: avg((f) => f.x),
      y: avg((f) => f.y),
      w: avg((f) => f.w),
      h: avg((f) => f.h),
      score: best.score,
      keypoints: best.keypoints.map((_, k) => [
        avg((f) => f.keypoints[k]![0]),
        avg((f) => f.keypoints[k]![1]),
      ]),
    });
  }
  return out;
}

/** Square tiles of `side` px overlapping by a third, covering the frame; none when one pass suffices. */
export function faceTiles(width: number, height: number, side: number): Box[] {
  return overlappingTiles(width, height, { side, overlap: 1 / 3, wholeFrameUpTo: 1.5 });
}

/**
 * Regions per batched run: a 1080p frame's whole-frame pass and 12 tiles fit in one; 4K's 46 go in three runs,
 * which bounds the activations (16 × the first layer's 128×128×24 floats ≈ 25 MB) rather than growing with the
 * frame.
 */
const MAX_REGIONS_PER_RUN = 16;

export interface FaceDetectOptions {
  minScore: number;
  /** Tile side in frame pixels for wide shots (0 = no tiles). Default: 2.5 x the model input. */
  tileSide?: number;
}

export class FaceDetector {
  /** Packed input of one run, reused between frames (grown to the largest group of regions). */
  private buffer = new Float32Array(0);
  /**
   * The whole-frame pass and every tile in one session.run (the manifest's conversion takes a batch), on an
   * accelerator. On the CPU provider the default is one run per region: `npm run bench faces` measured the
   * batched run 1-25 % slower there on 2 cores (162-255 against 160-204 ms per 1080p frame over four runs;
   * onnxruntime already spreads one 256x256 image over the cores, a batch of 13 only adds memory traffic), while a
   * GPU is where one launch for many small images pays. A model with a fixed batch of 1 always runs singly.
   */
  private readonly batched: boolean;

  constructor(
    private readonly session: LoadedSession,
    private readonly spec: ModelManifest['input'],
    /** `batchTiles` forces batched (true) or one run per region (false); default: batched off the CPU. */
    options: { batchTiles?: boolean } = {},
  ) {
    const missing = HEADS.flatMap((h) => [h.scores, h.boxes]).filter((n) => !session.outputNames.includes(n));
    if (missing.length > 0) {
      throw new Error(
        `face detector "${session.modelId}" lacks outputs ${missing.join(', ')}; expected models/manifests/blazeface.json`,
      );
    }
    const batchTiles = options.batchTiles ?? session.provider !== 'cpu';
    this.batched = batchTiles && acceptsBatch(session.session, spec.name);
  }

  async detect(frame: Frame, options: FaceDetectOptions): Promise<FaceBox[]> {
    const side = options.tileSide ?? INPUT * 2.5;
    const regions: (Box | undefined)[] = [
      undefined,
      ...(side > 0 ? faceTiles(frame.width, frame.height, side) : []),
    ];
    const per = INPUT * INPUT * 3;
    const group = this.batched ? MAX_REGIONS_PER_RUN : 1;
    const found: FaceBox[] = [];
    for (let start = 0; start < regions.length; start += group) {
      const chunk = regions.slice(start, start + group);
      if (this.buffer.length < chunk.length * per) this.buffer = new Float32Array(chunk.length * per);
      const input = this.buffer.subarray(0, chunk.length * per);
      const packs = chunk.map((region, i) =>
        frameToTensor(frame, this.spec, {
          width: INPUT,
          height: INPUT,
          fit: 'letterbox',
          out: input.subarray(i * per, (i + 1) * per),
          ...(region ? { region } : {}),
        }),
      );
      const out = (await this.session.run({
        [this.spec.name]: new Tensor('float32', input, [chunk.length, INPUT, INPUT, 3]),
      })) as Record<string, { data: Float32Array; dims: readonly number[] }>;
      chunk.forEach((region, i) => {
        const faces = decodeBlazeFace(sliceBatch(out, i), packs[i]!, options.minScore);
        // A face cut by an inner tile edge is partial there and whole in a neighbour (tiles overlap by a third).
        found.push(...(region ? faces.filter((f) => !cutByInnerTileEdge(f, region, frame, 2)) : faces));
      });
    }
    return blendFaces(found).filter((f) => f.w > 2 && f.h > 2);
  }
}

/** Item k of every batched output (first dimension = batch). */
export function sliceBatch(
  outputs: Record<string, { data: Float32Array; dims: readonly number[] }>,
  k: number,
): Record<string, { data: Float32Array }> {
  const one: Record<string, { data: Float32Array }> = {};
  for (const [name, t] of Object.entries(outputs)) {
    const size = t.data.length / t.dims[0]!;
    one[name] = { data: t.data.subarray(k * size, (k + 1) * size) };
  }
  return one;
}
