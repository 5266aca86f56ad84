/**
 * Temporal consistency for per-frame stylisation (method in docs/style.md). A style network repaints each
 * frame on its own, so strokes flicker. Here the previous stylised frame is carried to the current one along
 * RIFE's optical flow and blended in where that flow can be trusted:
 *
 * 1. Flow both ways with RIFE v4.6 (its internal final flow output, see shared/optical-flow.ts): current→previous and
 *    previous→current.
 * 2. Occlusion / unreliable flow (forward-backward check, Sundaram et al. 2010, as used for video style
 *    transfer by Ruder et al. 2016): with b = F(cur→prev)(x) and f = F(prev→cur)(x + b), the flow is reliable
 *    where |b + f|² ≤ 0.01 (|b|² + |f|²) + 0.5; a photometric check (the warped previous *input* must match the
 *    current input) catches the remaining errors.
 * 3. out = w·m·warp(prevStylised) + (1 − w·m)·stylised, with m the reliability mask and w the user's weight;
 *    the blended result is what the next frame warps (the consistency propagates).
 */
import { createFrame, type F32Frame as Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { estimateFlow, flowAt, reliability, sample } from '../shared/optical-flow.ts';

export { FLOW_MODEL } from '../shared/optical-flow.ts';

export class TemporalBlender {
  private prevInput: Frame | undefined;
  private prevStyled: Frame | undefined;
  /** Last reliability mask (width × height, 0..1), for tests and the docs' figures. */
  lastMask: Float32Array | undefined;

  constructor(private readonly rife: LoadedSession) {}

  reset(): void {
    this.prevInput = undefined;
    this.prevStyled = undefined;
    this.lastMask = undefined;
  }

  /** Blends the warped previous stylised frame into `styled` (in place); `input` is the unstylised frame. */
  async stabilise(input: Frame, styled: Frame, weight: number): Promise<void> {
    const prev = this.prevInput;
    const prevStyled = this.prevStyled;
    if (prev && prevStyled && prev.width === input.width && prev.height === input.height && weight > 0) {
      const back = await estimateFlow(this.rife, prev, input); // current → previous
      const fwd = await estimateFlow(this.rife, input, prev); // previous → current
      const mask = reliability(back, fwd, prev, input);
      this.lastMask = mask;
      const w = input.width;
      for (let y = 0; y < input.height; y++)
        for (let x = 0; x < w; x++) {
          const m = weight * mask[y * w + x]!;
          if (m === 0) continue;
          const [bx, by] = flowAt(back, x, y);
          const o = y * styled.stride + x * 4;
          for (let c = 0; c < 3; c++) {
            const warped = sample(prevStyled, x + bx, y + by, c);
            styled.data[o + c] = m * warped + (1 - m) * styled.data[o + c]!;
          }
        }
    }
    this.prevInput = copy(input);
    this.prevStyled = copy(styled);
  }
}

function copy(frame: Frame): Frame {
  const out = createFrame(frame.width, frame.height, 'f32', frame.colorSpace);
  for (let y = 0; y < frame.height; y++)
    out.data.set(frame.data.subarray(y * frame.stride, y * frame.stride + frame.width * 4), y * out.stride);
  return out;
}
