/**
 * The EffectContext the daemon hands to processors and jobs: one per daemon, created on first use, so
 * every connection and job shares the loaded model sessions (runtime/context.ts owns how it is built).
 */
import type { EffectContext } from '../effects/types.ts';

export type EffectContextProvider = () => Promise<EffectContext>;

export function lazyEffectContext(
  create: () => EffectContext | Promise<EffectContext>,
): EffectContextProvider {
  let ctx: Promise<EffectContext> | null = null;
  return () => {
    ctx ??= Promise.resolve().then(create);
    // A failed creation is retried on the next request instead of being cached forever.
    ctx.catch(() => {
      ctx = null;
    });
    return ctx;
  };
}
