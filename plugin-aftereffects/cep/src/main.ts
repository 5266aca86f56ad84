/**
 * After Effects 2024–2026 (CEP) entry: the shared panel (core/src/panel/mount.ts) over the CEP host
 * adapter. CEP gives the page `window.__adobe_cep__`; Adobe's CSInterface.js, when a page loads it, is a
 * thin wrapper whose `evalScript(script, callback)` calls `__adobe_cep__.evalScript` (CEP-Resources,
 * CSInterface.js). The panel uses CSInterface when present and otherwise makes the same call itself, so
 * Adobe's file need not ship with it.
 */
import { CepHostAdapter, type CsInterfaceLike } from '../../../core/src/panel/cep-host-adapter.ts';
import { mountPanel } from '../../../core/src/panel/mount.ts';
import { cepFilePicker, type CepFs } from '../../../core/src/panel/file-picker.ts';
import { defineSpectrumWidgets } from './spectrum-widgets.ts';

interface CepWindow {
  CSInterface?: new () => CsInterfaceLike;
  /** CEP's native file system bridge (CEPEngine_extensions.js), present in every CEP panel page. */
  cep?: { fs: CepFs };
  __adobe_cep__?: { evalScript(script: string, callback: (result: string) => void): void };
}

function csInterface(win: CepWindow): CsInterfaceLike {
  if (win.CSInterface) return new win.CSInterface();
  const cep = win.__adobe_cep__;
  return {
    evalScript(script, callback) {
      if (!cep) {
        // Opened outside After Effects (a plain browser): say so instead of failing silently.
        callback?.('EvalScript error.');
        return;
      }
      cep.evalScript(script, callback ?? (() => {}));
    },
  };
}

/** Set this localStorage key (DevTools, see .debug) to reach a daemon started with `mlxv serve --port N`. */
export const DAEMON_URL_KEY = 'mlxvideo.daemonUrl';

function start(): void {
  defineSpectrumWidgets();
  const root = document.getElementById('mlxvideo-root');
  if (!root) throw new Error('index.html has no #mlxvideo-root');
  const url = localStorage.getItem(DAEMON_URL_KEY);
  // Absent outside After Effects (a plain browser): path params are then text fields only.
  const cep = (window as unknown as CepWindow).cep;
  mountPanel({
    doc: document,
    root,
    adapter: new CepHostAdapter(csInterface(window as unknown as CepWindow)),
    // CEP keeps localStorage per extension between sessions, so the user pairs once.
    storage: localStorage,
    hostLabel: 'After Effects',
    ...(url ? { url } : {}),
    ...(cep ? { filePicker: cepFilePicker(cep.fs) } : {}),
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
