/**
 * A background plate for parallax on a clip: at each pixel, the farthest thing the clip has shown there so
 * far, with its depth. When a person walks across a still shot, the wall behind them is visible in other
 * frames; a camera move that uncovers the wall behind them in this frame can then show the real wall
 * instead of an inpainted guess (render-view.ts uses the plate before its pull-push fill).
 *
 * Only meaningful while the input camera stands still (pixels line up between frames): when most of the
 * picture changes from one frame to the next (a camera move or a cut), the plate restarts from the current
 * frame. Per pixel, a frame replaces the plate where it is farther (something near moved away) or at the
 * same depth (the same surface, under the light of now); nearer content never overwrites the background.
 */
import type { F32Frame } from '../frame.ts';
import type { Mask } from '../../runtime/mask-ops.ts';
import { lumaMask } from '../depth/depth-map.ts';
import type { BackgroundView } from './render-view.ts';

/** Nearness difference below which two depths count as the same surface. */
const SAME_DEPTH = 0.05;
/** Luma change (0..1) above which a pixel changed between frames. */
const CHANGED = 0.03;
/** Share of changed pixels above which the camera moved (or the shot changed): restart the plate. */
const RESTART_SHARE = 0.5;

export class BackgroundPlate {
  private plate: BackgroundView | undefined;
  private lastLuma: Float32Array | undefined;

  /** Adds a frame (full size) and its nearness (the same size); returns the plate to render with. */
  update(frame: F32Frame, nearness: Mask): BackgroundView {
    const luma = lumaMask(frame).data;
    const n = frame.width * frame.height;
    const plate = this.plate;
    const restart =
      !plate ||
      plate.image.width !== frame.width ||
      plate.image.height !== frame.height ||
      changedShare(this.lastLuma!, luma) > RESTART_SHARE;
    this.lastLuma = luma;
    if (restart) {
      this.plate = {
        image: { ...frame, data: Float32Array.from(frame.data) },
        nearness: { ...nearness, data: Float32Array.from(nearness.data) },
      };
      return this.plate;
    }
    const img = plate.image;
    const near = plate.nearness.data;
    for (let i = 0; i < n; i++) {
      const v = nearness.data[i]!;
      if (v > near[i]! + SAME_DEPTH) continue; // nearer than the plate: keep what was behind it
      near[i] = Math.min(near[i]!, v);
      const s = ((i / frame.width) | 0) * frame.stride + (i % frame.width) * 4;
      const d = ((i / img.width) | 0) * img.stride + (i % img.width) * 4;
      for (let c = 0; c < 4; c++) img.data[d + c] = frame.data[s + c]!;
    }
    return plate;
  }

  reset(): void {
    this.plate = undefined;
    this.lastLuma = undefined;
  }
}

function changedShare(a: Float32Array, b: Float32Array): number {
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > CHANGED) changed++;
  return changed / Math.max(1, a.length);
}
