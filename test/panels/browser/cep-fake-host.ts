/**
 * Injected into the CEP panel page before it loads (Playwright addInitScript), where CEP would inject
 * `window.__adobe_cep__`: a `window.CSInterface` whose evalScript is the fake CSInterface, and whose
 * ExtendScript engine is the Node-side fake After Effects reached through `mlxvEvalScript` (a function
 * the test exposes). The built page itself is the production one, unchanged.
 */
import { FakeCsInterface } from '../fakes/cs-interface.ts';

interface FakeHostWindow {
  mlxvEvalScript(script: string): Promise<string>;
  CSInterface?: new () => FakeCsInterface;
}

const win = globalThis as unknown as FakeHostWindow;
// One instance for the page: CEP runs the scripts of one extension one after the other.
const shared = new FakeCsInterface((script) => win.mlxvEvalScript(script));
win.CSInterface = class {
  evalScript(script: string, callback?: (result: string) => void): void {
    shared.evalScript(script, callback);
  }
} as unknown as new () => FakeCsInterface;
