/**
 * After Effects plugin entry (UXP, AE 27+ public beta). Same shared panel as Premiere, AE host adapter.
 */
import { mountPanel } from '../../core/src/panel/mount.ts';
import { AfterEffectsAdapter } from './ae-adapter.ts';

export const PANEL_ID = 'mlxvideoPanel';

let mounted = false;
function mount(): void {
  if (mounted) return;
  mounted = true;
  mountPanel({
    doc: document,
    root: document.getElementById('mlxvideo-root'),
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
    adapter: new AfterEffectsAdapter(require('aftereffects')),
    storage: localStorage,
    hostLabel: 'After Effects',
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
require('uxp').entrypoints.setup({
  panels: {
    [PANEL_ID]: {
      create: () => mount(),
      show: () => mount(),
    },
  },
});
