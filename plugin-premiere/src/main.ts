/**
 * Premiere Pro plugin entry. `entrypoints.setup` runs first thing at load (a late call can throw
 * uncatchably, HOSTS.md §3); the panel mounts when Premiere first shows it.
 */
import { mountPanel } from '../../core/src/panel/mount.ts';
import { PremiereAdapter } from './premiere-adapter.ts';

export const PANEL_ID = 'mlxvideoPanel';

let mounted = false;
function mount(): void {
  if (mounted) return;
  mounted = true;
  mountPanel({
    doc: document,
    root: document.getElementById('mlxvideo-root'),
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
    adapter: new PremiereAdapter(require('premierepro')),
    storage: localStorage,
    hostLabel: 'Premiere Pro',
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
