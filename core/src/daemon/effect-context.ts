/**
 * The EffectContext the daemon hands to processors and jobs: one per daemon, created on first use, so
 * every connection and job shares the loaded model sessions (runtime/context.ts owns how it is built).
 */
import type { EffectContext } from '../effects/types.ts';

export type EffectContextProvider = (() => Promise<EffectContext>) & {
  /** Releases the model sessions if the context was ever created (daemon shutdown). */
  dispose?: () => Promise<void>;
};

export function lazyEffectContext(
  create: () => EffectContext | Promise<EffectContext>,
): EffectContextProvider {
  let ctx: Promise<EffectContext> | null = null;
  const provider: EffectContextProvider = () => {
    ctx ??= Promise.resolve().then(create);
    // A failed creation is retried on the next request instead of being cached forever.
    ctx.catch(() => {
      ctx = null;
    });
    return ctx;
  };
  provider.dispose = async () => {
    const created = await ctx?.catch(() => null);
    await created?.sessions?.dispose?.();
  };
  return provider;
}
