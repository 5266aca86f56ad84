/**
 * Modules the After Effects plugin loads with `require` (see plugin-premiere/src/uxp-modules.d.ts for why
 * `uxp` is declared narrowly). `aftereffects` uses the hand-written subset in ae-types.ts.
 */
import type { AeModule } from './ae-types.ts';

declare global {
  interface UxpPanelHooks {
    create?(rootNode: unknown): void | Promise<void>;
    show?(rootNode: unknown, data?: unknown): void | Promise<void>;
  }
  interface UxpModule {
    entrypoints: { setup(config: { panels: Record<string, UxpPanelHooks> }): void };
  }
  function require(id: 'aftereffects'): AeModule;
  function require(id: 'uxp'): UxpModule;
}
export {};
