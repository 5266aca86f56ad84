/**
 * Per-instance render sessions for `frame.render` (one per OFX plugin instance, scoped to its connection).
 * Frames of one instance are processed one after another in arrival order, so a `sequential` effect sees
 * them in order and keeps its state; an index that is not previous+1 resets it (a jump in the timeline).
 * Different instances run independently.
 */
import type { EffectContext, FilterEffect, Processor } from '../effects/types.ts';
import type { Frame } from '../effects/frame.ts';
import type { ParamValues } from '../effects/types.ts';
import type { EffectContextProvider } from './effect-context.ts';
import { createProcessorFor } from '../engine/index.ts';

interface Instance {
  effect: FilterEffect;
  processor: Promise<Processor>;
  lastIndex: number | null;
  /** Tail of this instance's work queue. */
  chain: Promise<unknown>;
}

/** Counts every live instance in the process, so tests can prove nothing leaks after a disconnect. */
let liveInstances = 0;
export function liveInstanceCount(): number {
  return liveInstances;
}

export class FrameSessions {
  private readonly instances = new Map<string, Instance>();

  constructor(private readonly context: EffectContextProvider) {}

  get size(): number {
    return this.instances.size;
  }

  private instanceFor(name: string, effect: FilterEffect): Instance {
    const existing = this.instances.get(name);
    if (existing && existing.effect.id === effect.id) return existing;
    if (existing) this.close(name);
    const inst: Instance = {
      effect,
      // In the engine's worker pool when the effect is a registered one (core/src/engine).
      processor: this.context().then((ctx: EffectContext) => createProcessorFor(effect, ctx)),
      lastIndex: null,
      chain: Promise.resolve(),
    };
    // Avoid an unhandled rejection when no frame awaits a processor that failed to build.
    inst.processor.catch(() => {});
    this.instances.set(name, inst);
    liveInstances++;
    return inst;
  }

  /**
   * Queues one frame on its instance. `shouldRun` is checked when the frame's turn comes, so a frame
   * cancelled while waiting costs nothing (and does not advance the sequence).
   */
  render(
    instanceName: string,
    effect: FilterEffect,
    params: ParamValues,
    index: number,
    frame: Frame,
    shouldRun: () => boolean,
  ): Promise<Frame | null> {
    const inst = this.instanceFor(instanceName, effect);
    const run = async (): Promise<Frame | null> => {
      if (!shouldRun()) return null;
      const processor = await inst.processor;
      if (effect.temporal === 'sequential' && inst.lastIndex !== null && index !== inst.lastIndex + 1) {
        processor.reset();
      }
      inst.lastIndex = index;
      return processor.process(frame, params, { index });
    };
    const result = inst.chain.then(run, run);
    inst.chain = result.catch(() => {});
    return result;
  }

  close(name: string): boolean {
    const inst = this.instances.get(name);
    if (!inst) return false;
    this.instances.delete(name);
    liveInstances--;
    // Dispose after queued frames finish so a processor never runs after dispose().
    void inst.chain
      .then(() => inst.processor)
      .then((p) => p.dispose?.())
      .catch(() => {});
    return true;
  }

  closeAll(): void {
    for (const name of [...this.instances.keys()]) this.close(name);
  }
}
