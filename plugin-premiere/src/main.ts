/** Premiere Pro plugin entry: the shared panel (core/src/panel/start-panel.ts) over the Premiere adapter. */
import type { premierepro } from '@adobe/premierepro';
import { startPanel } from '../../core/src/panel/start-panel.ts';
import { PremiereAdapter } from './premiere-adapter.ts';

declare global {
  function require(id: 'premierepro'): premierepro;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
startPanel('Premiere Pro', () => new PremiereAdapter(require('premierepro')));
