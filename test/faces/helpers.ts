/**
 * Shared measurement code for the face tests and the faces bench: the hand-labelled photos, matching
 * detections to labels at IoU 0.5, the composed wide shot with small real faces, and OpenCV's Haar cascade
 * (an independent detector: Viola-Jones, no code or data shared with BlazeFace) run through Debian's cv2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createFrame, type F32Frame, type Frame } from '../../core/src/effects/frame.ts';
import { faceIou } from '../../core/src/effects/faces/face-detector.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { fixture } from '../support/paths.ts';
import { imageFrame } from '../support/images.ts';

export type XYWH = readonly [number, number, number, number];
export interface LabelledImage {
  file: string;
  package: string;
  license: string;
  faces: XYWH[];
}

export const labelledImages = (): LabelledImage[] =>
  (
    JSON.parse(readFileSync(path.join(import.meta.dirname, 'labels.json'), 'utf8')) as {
      images: LabelledImage[];
    }
  ).images;

export const asBox = ([x, y, w, h]: XYWH) => ({ x, y, w, h });

/** True positives (one detection per label, greedy by IoU), false positives and misses at `minIou`. */
export function matchAt(
  detections: readonly { x: number; y: number; w: number; h: number }[],
  labels: readonly XYWH[],
  minIou = 0.5,
): { tp: number; fp: number; fn: number; ious: number[] } {
  const used = new Set<number>();
  const ious: number[] = [];
  for (const label of labels) {
    let best = -1;
    let bestIou = minIou;
    detections.forEach((d, i) => {
      const iou = faceIou(d, asBox(label));
      if (!used.has(i) && iou >= bestIou) [best, bestIou] = [i, iou];
    });
    if (best >= 0) {
      used.add(best);
      ious.push(bestIou);
    }
  }
  return { tp: used.size, fp: detections.length - used.size, fn: labels.length - used.size, ious };
}

/** A frame as 8-bit RGB (display values), for sharp and for the cv2 helper. */
export function toRgb8(frame: Frame): Buffer {
  const out = Buffer.alloc(frame.width * frame.height * 3);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++)
      for (let c = 0; c < 3; c++) {
        const v = Number(frame.data[y * frame.stride + x * 4 + c]!);
        out[(y * frame.width + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
  return out;
}

function fromRgb8(data: Buffer, width: number, height: number): F32Frame {
  const frame = createFrame(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) frame.data[i * 4 + c] = data[i * 3 + c]! / 255;
    frame.data[i * 4 + 3] = 1;
  }
  return frame;
}

/**
 * A COMPOSED wide shot: frame 20 of the real street clip scaled to 1920x1080, with the three labelled
 * real faces pasted in small (face heights 24-40 px, head and hair included), where a 1080p street camera
 * would see bystanders. Labels are the hand labels carried through the same scale and offset.
 */
export async function composedWideShot(): Promise<{ frame: F32Frame; faces: XYWH[] }> {
  let street: F32Frame | undefined;
  for await (const f of decodeFrames(fixture('wide-street.mp4'), { range: { start: 20, end: 20 } }))
    street = f;
  const base = await sharp(toRgb8(street!), {
    raw: { width: street!.width, height: street!.height, channels: 3 },
  })
    .resize(1920, 1080, { fit: 'fill' })
    .raw()
    .toBuffer();
  const people = labelledImages().filter((i) => i.faces.length > 0);
  const placements = [
    { x: 300, y: 420, faceH: 40 },
    { x: 1000, y: 300, faceH: 32 },
    { x: 1550, y: 620, faceH: 24 },
  ];
  const faces: XYWH[] = [];
  for (const [k, img] of people.entries()) {
    const [fx, fy, fw, fh] = img.faces[0]!;
    const place = placements[k]!;
    const s = place.faceH / fh;
    // The crop: the face plus 80% of its size around it (hair, neck, background), clamped to the photo.
    const meta = await sharp(img.file).metadata();
    const cx0 = Math.max(0, Math.round(fx - fw * 0.8));
    const cy0 = Math.max(0, Math.round(fy - fh * 0.8));
    const cx1 = Math.min(meta.width!, Math.round(fx + fw * 1.8));
    const cy1 = Math.min(meta.height!, Math.round(fy + fh * 1.8));
    const cw = Math.round((cx1 - cx0) * s);
    const ch = Math.round((cy1 - cy0) * s);
    const patch = await sharp(img.file)
      .removeAlpha()
      .extract({ left: cx0, top: cy0, width: cx1 - cx0, height: cy1 - cy0 })
      .resize(cw, ch, { fit: 'fill' })
      .raw()
      .toBuffer();
    for (let y = 0; y < ch; y++)
      patch.copy(base, ((place.y + y) * 1920 + place.x) * 3, y * cw * 3, (y + 1) * cw * 3);
    const sx = cw / (cx1 - cx0);
    const sy = ch / (cy1 - cy0);
    faces.push([place.x + (fx - cx0) * sx, place.y + (fy - cy0) * sy, fw * sx, fh * sy]);
  }
  return { frame: fromRgb8(base, 1920, 1080), faces };
}

export const PYTHON = '/usr/bin/python3';
const HAAR_SCRIPT = `
import sys, json, cv2, numpy as np
w, h, n = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
frames = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(n, h, w, 3)
cascades = [(name, cv2.CascadeClassifier('/usr/share/opencv4/haarcascades/' + name))
            for name in ('haarcascade_frontalface_default.xml', 'haarcascade_frontalface_alt2.xml')]
result = []
for img in frames:
    gray = cv2.equalizeHist(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))
    found = []
    for name, c in cascades:
        for (x, y, fw, fh) in c.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20)):
            found.append([int(x), int(y), int(fw), int(fh), name])
    result.append(found)
print(json.dumps(result))
`;

export type HaarFace = [number, number, number, number, string];

/**
 * Faces OpenCV's Haar cascades (frontal default and alt2) find in each frame (all frames one size), as
 * [x, y, w, h, cascade]. One Python process for the whole batch: cv2 takes a second to start.
 */
export function haarFaces(frames: readonly Frame[]): HaarFace[][] {
  if (frames.length === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlxv-haar-'));
  try {
    const raw = path.join(dir, 'frames.rgb');
    writeFileSync(raw, Buffer.concat(frames.map(toRgb8)));
    const { width, height } = frames[0]!;
    const args = ['-c', HAAR_SCRIPT, raw, String(width), String(height), String(frames.length)];
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })) as HaarFace[][];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { imageFrame };
