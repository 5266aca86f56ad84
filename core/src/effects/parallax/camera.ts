/**
 * The camera moves of `parallax`, as a closed-form map between a source pixel and its position in output frame
 * t, for a pixel of relative inverse depth d (d = 1 nearest, FAR_D farthest). Pixel coordinates are relative
 * to the image centre; focal length = image width (about a 53° horizontal field of view).
 *
 * A camera translated by (tx, ty, tz) (in units of the nearest distance) and zoomed by `zoom` sees a point of
 * inverse depth d at   x' = zoom · (x − tx·f·(d − dPivot)) / (1 − tz·d)   (same for y with ty).
 * `dPivot` is the depth that stays put under sideways moves (0 for a pan: everything moves, far least;
 * the focus depth for an orbit, whose rotation keeps that plane still). Vertigo (dolly zoom) dollies in and
 * zooms out by (1 − tz·dFocus), so the focus plane keeps its size while the background grows behind it.
 */
export const MOTIONS = [
  'dolly-in',
  'dolly-out',
  'pan-left',
  'pan-right',
  'pan-up',
  'pan-down',
  'orbit',
  'zoom-in',
  'zoom-out',
  'vertigo',
] as const;
export type Motion = (typeof MOTIONS)[number];

/** Inverse depth of the farthest layer: the far plane is 1/FAR_D times the nearest distance away. */
export const FAR_D = 0.25;

export interface CameraPose {
  tx: number;
  ty: number;
  tz: number;
  zoom: number;
  dPivot: number;
}

/** Inverse depth from nearness (0 far .. 1 near). */
export function inverseDepth(nearness: number): number {
  return FAR_D + (1 - FAR_D) * Math.min(1, Math.max(0, nearness));
}

/** Smooth start and stop (cubic ease in-out): a camera move with mass. */
export function ease(t: number): number {
  return t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2;
}

/** Pose at time t (0..1) before overscan; `amount` 0..1 scales the move, `focus` is a nearness. */
export function poseAt(motion: Motion, t: number, amount: number, focus: number): CameraPose {
  const e = ease(t);
  const p: CameraPose = { tx: 0, ty: 0, tz: 0, zoom: 1, dPivot: 0 };
  const side = 0.5 * amount * e;
  switch (motion) {
    case 'dolly-in':
      p.tz = amount * e;
      break;
    case 'dolly-out':
      p.tz = -amount * e;
      break;
    case 'pan-left':
      p.tx = -side;
      break;
    case 'pan-right':
      p.tx = side;
      break;
    case 'pan-up':
      p.ty = -side;
      break;
    case 'pan-down':
      p.ty = side;
      break;
    case 'orbit':
      // A swing there and back around the focus plane (loops: frame 0 = last frame's pose).
      p.tx = 0.5 * amount * Math.sin(2 * Math.PI * t);
      p.dPivot = inverseDepth(focus);
      break;
    case 'zoom-in':
      p.zoom = 1 + amount * e;
      break;
    case 'zoom-out':
      p.zoom = 1 / (1 + amount * e);
      break;
    case 'vertigo':
      p.tz = amount * e;
      p.zoom = 1 - p.tz * inverseDepth(focus);
      break;
  }
  return p;
}

/** Source position (centre-relative) → output position for inverse depth d. */
export function project(p: CameraPose, f: number, x: number, y: number, d: number): [number, number] {
  const k = p.zoom / (1 - p.tz * d);
  return [k * (x - p.tx * f * (d - p.dPivot)), k * (y - p.ty * f * (d - p.dPivot))];
}

/** Output position → source position for inverse depth d (the exact inverse of project). */
export function unproject(p: CameraPose, f: number, x: number, y: number, d: number): [number, number] {
  const k = (1 - p.tz * d) / p.zoom;
  return [k * x + p.tx * f * (d - p.dPivot), k * y + p.ty * f * (d - p.dPivot)];
}

/** Local magnification of a pixel at inverse depth d (how large its footprint lands in the output). */
export function magnification(p: CameraPose, d: number): number {
  return p.zoom / (1 - p.tz * d);
}

/**
 * The extra zoom (≥ 1) that keeps every output frame inside the picture at every depth, so frame borders never
 * show the void outside the photo: the largest ratio, over the move, of where an output corner comes from
 * to the half-size of the picture.
 */
export function overscanFor(
  motion: Motion,
  amount: number,
  focus: number,
  width: number,
  height: number,
): number {
  const f = width;
  let z = 1;
  for (let i = 0; i <= 40; i++) {
    const p = poseAt(motion, i / 40, amount, focus);
    for (const d of [FAR_D, 1])
      for (const [cx, cy] of [
        [width / 2, height / 2],
        [-width / 2, -height / 2],
      ] as const) {
        const [sx, sy] = unproject(p, f, cx, cy, d);
        const shiftX = p.tx * f * (d - p.dPivot);
        const shiftY = p.ty * f * (d - p.dPivot);
        // Needed: |(sx - shift)/z + shift| <= half size  →  z >= |sx - shift| / (half - |shift|).
        const needX = Math.abs(sx - shiftX) / Math.max(1e-6, width / 2 - Math.abs(shiftX));
        const needY = Math.abs(sy - shiftY) / Math.max(1e-6, height / 2 - Math.abs(shiftY));
        z = Math.max(z, needX, needY);
      }
  }
  return Math.min(z, 4);
}
