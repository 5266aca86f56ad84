/**
 * Wires the shared panel together: controller + view + token store, then connects. Each plugin's main.ts
 * calls this with its host adapter; the headless-Chromium test calls it with the fakes.
 */
import type { WebSocketConstructor } from '../client/client.ts';
import type { HostAdapter } from './host-adapter.ts';
import type { FilePicker } from './file-picker.ts';
import { PanelController } from './panel-controller.ts';
import { PanelView, type ViewDocument, type ViewElement } from './panel-view.ts';
import { storageTokenStore, type StorageLike } from './token-store.ts';

export interface MountOptions<E extends ViewElement<E>> {
  doc: ViewDocument<E>;
  root: E;
  adapter: HostAdapter;
  storage: StorageLike;
  hostLabel: string;
  url?: string;
  WebSocket?: WebSocketConstructor;
  /** The runtime's file dialog (uxpFilePicker / cepFilePicker) for path params. */
  filePicker?: FilePicker;
}

export function mountPanel<E extends ViewElement<E>>(options: MountOptions<E>): PanelController {
  const controller = new PanelController({
    adapter: options.adapter,
    tokens: storageTokenStore(options.storage),
    ...(options.url ? { url: options.url } : {}),
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
  });
  new PanelView(options.doc, options.root, controller, options.hostLabel, options.filePicker);
  void controller.connect();
  return controller;
}
