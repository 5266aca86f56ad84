/**
 * After Effects plugin entry (UXP, AE 27+ public beta): the shared panel (core/src/panel/start-panel.ts)
 * over the AE adapter. `aftereffects` is typed by the hand-written subset in ae-types.ts.
 */
import { startPanel } from '../../core/src/panel/start-panel.ts';
import { AfterEffectsAdapter } from './ae-adapter.ts';
import type { AeModule } from './ae-types.ts';

declare global {
  function require(id: 'aftereffects'): AeModule;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
startPanel('After Effects', () => new AfterEffectsAdapter(require('aftereffects')));
