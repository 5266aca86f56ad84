/**
 * The UXP entry both plugins share. `entrypoints.setup` runs first thing at load (a late call can throw
 * uncatchably, HOSTS.md §3); the panel mounts once, when the host first creates or shows it, and only
 * then is the host module required (so loading the plugin touches nothing but `uxp`).
 */
import type { HostAdapter } from './host-adapter.ts';
import { mountPanel } from './mount.ts';
import { uxpFilePicker } from './file-picker.ts';

/** The panel entrypoint id in both plugins' manifest.json. */
export const PANEL_ID = 'mlxvideoPanel';

export function startPanel(hostLabel: string, createAdapter: () => HostAdapter): void {
  let mounted = false;
  const mount = (): void => {
    if (mounted) return;
    mounted = true;
    mountPanel({
      doc: document,
      root: document.getElementById('mlxvideo-root'),
      adapter: createAdapter(),
      storage: localStorage,
      hostLabel,
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
      filePicker: uxpFilePicker(require('uxp').storage.localFileSystem),
    });
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- UXP host modules exist only through require()
  require('uxp').entrypoints.setup({
    panels: {
      [PANEL_ID]: {
        create: () => mount(),
        show: () => mount(),
      },
    },
  });
}
