/**
 * Where an effect runs. A registered effect (effects/registry.ts) with a context the worker can rebuild
 * (createEffectContext sets `ctx.worker`) runs in the engine's worker pool; anything else (an embedder's own
 * effect, a test's stand-in, MLXV_WORKERS=0) runs in-process. An effect does nothing to opt in: it
 * implements its processor as always, and the engine decides (docs/engine.md).
 */
import type {
  EffectContext,
  FilterEffect,
  Processor,
  RetimeEffect,
  Retimer,
} from '../contract/effect.ts';
import type { SampleFormat } from '../contract/frame.ts';
import type { ParamValues } from '../contract/params.ts';
import type { Rational } from '../contract/rational.ts';
import { listEffects } from '../effects/registry.ts';
import { aheadLanes, sharedPool, type RemoteAhead } from './pool.ts';
import type { SessionDelta } from './protocol.ts';

export { aheadLanes, EnginePool, sharedPool, workerCount } from './pool.ts';
export type { RemoteAhead } from './pool.ts';
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

/**
 * The ahead lanes a job runs an effect's ahead pass on (FilterEffect.ahead), each on its own worker with
 * sessions of fewer intra-op threads (pool.ts aheadLanes); none (an empty list) when the effect has no pass,
 * these params do not use it, the effect runs in-process, or the machine gets no lanes. With none, the
 * processor computes the same itself.
 */
export async function createAheadLanesFor<P extends ParamValues>(
  effect: FilterEffect<P>,
  ctx: EffectContext,
  params: P,
  options: Pick<PlacementOptions, 'onSessions'> = {},
): Promise<RemoteAhead[]> {
  if (!effect.ahead?.appliesTo(params) || !runsInWorker(effect as FilterEffect, ctx)) return [];
  const { lanes, threads } = aheadLanes(ctx.worker!.providers);
  // Side by side: each lane loads its own sessions (a second or more per model on the CPU).
  const made = await Promise.allSettled(
    Array.from({ length: lanes }, (_, lane) =>
      sharedPool()!.createAheadRunner(effect.id, params, lane, {
        ctx: { ...ctx.worker!, intraOpThreads: threads },
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...options,
      }),
    ),
  );
  const runners = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
  const failed = made.find((m) => m.status === 'rejected');
  if (failed) {
    await Promise.allSettled(runners.map((r) => r.dispose()));
    throw failed.reason;
  }
  return runners;
}
