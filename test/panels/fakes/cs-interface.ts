/**
 * A fake of the one CSInterface method the CEP panel uses, `evalScript(script, callback)`, with the
 * behaviour of Adobe's CSInterface.js over CEP's bridge: the script runs in the host's ExtendScript
 * engine, one script at a time in the order sent, and the callback gets the result string later (never
 * during the call). The engine itself is `run`: the Node-side fake AE (aftereffects-extendscript.ts)
 * directly in Node tests, or through a function Playwright exposes in the headless-Chromium test. No
 * Node imports: it also runs in the page.
 */
import type { CsInterfaceLike } from '../../../core/src/panel/cep-host-adapter.ts';

export class FakeCsInterface implements CsInterfaceLike {
  private queue: Promise<void> = Promise.resolve();
  /** Every script sent, in order. */
  readonly scripts: string[] = [];

  constructor(private readonly run: (script: string) => string | Promise<string>) {}

  evalScript(script: string, callback?: (result: string) => void): void {
    if (typeof script !== 'string') throw new TypeError('evalScript: the script must be a string');
    this.scripts.push(script);
    this.queue = this.queue.then(async () => {
      // A macrotask first: CEP answers asynchronously even when the host is idle.
      await new Promise<void>((r) => setTimeout(() => r(), 0));
      const result = await this.run(script);
      callback?.(result);
    });
  }
}
