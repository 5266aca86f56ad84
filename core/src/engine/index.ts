/**
 * Where an effect runs. A registered effect (effects/registry.ts) with a context the worker can rebuild
 * (createEffectContext sets `ctx.worker`) runs in the engine's worker pool; anything else (an embedder's own
 * effect, a test's stand-in, MLXV_WORKERS=0) runs in-process. An effect does nothing to opt in: it
 * implements its processor as always, and the engine decides (docs/engine.md).
 */
import type { EffectContext, FilterEffect, Processor, RetimeEffect, Retimer } from '../contract/effect.ts';
import type { SampleFormat } from '../contract/frame.ts';
import type { ParamValues } from '../contract/params.ts';
import type { Rational } from '../contract/rational.ts';
import { listEffects } from '../effects/registry.ts';
import { sharedPool } from './pool.ts';
import type { SessionDelta } from './protocol.ts';

export { EnginePool, sharedPool, workerCount } from './pool.ts';
export type { SessionDelta } from './protocol.ts';

export interface PlacementOptions {
  /** Inference per call, per model (jobs sum it for their figures). */
  onSessions?: (sessions: SessionDelta[]) => void;
  /** Convert outputs to this format in the worker (the encoder's), so this thread gets ready samples. */
  outFormat?: SampleFormat;
  /** An input buffer the effect released, back from the worker (run-job decodes into it again). */
  onInputReleased?: (buffer: ArrayBuffer) => void;
}

function runsInWorker(effect: FilterEffect | RetimeEffect, ctx: EffectContext): boolean {
  return ctx.worker !== undefined && listEffects().includes(effect as never) && sharedPool() !== null;
}

export async function createProcessorFor<P extends ParamValues>(
  effect: FilterEffect<P>,
  ctx: EffectContext,
  options: PlacementOptions = {},
): Promise<Processor<P>> {
  if (!runsInWorker(effect as FilterEffect, ctx)) return effect.createProcessor(ctx);
  return (await sharedPool()!.createProcessor(effect.id, {
    ctx: ctx.worker!,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...options,
  })) as Processor<P>;
}

export async function createRetimerFor<P extends ParamValues>(
  effect: RetimeEffect<P>,
  ctx: EffectContext,
  params: P,
  input: Rational,
  options: PlacementOptions = {},
): Promise<Retimer> {
  if (!runsInWorker(effect as RetimeEffect, ctx)) return effect.retime.createRetimer(ctx, params, input);
  return sharedPool()!.createRetimer(effect.id, params, input, {
    ctx: ctx.worker!,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...options,
  });
}
