/**
 * Globals that the UXP runtime provides but `@adobe/cc-ext-uxp-types` 7.3.1 does not declare (its README
 * lists missing globals as a known issue). Only what the panel and the daemon client use, with the
 * WHATWG signatures UXP implements. Kept to this short list on purpose: anything else that is not in
 * the UXP types must fail to compile (the plugin tsconfigs have no DOM lib and no @types/node).
 */
declare function setTimeout(handler: () => void, ms?: number): number;
declare function clearTimeout(id: number | undefined): void;

declare var console: {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};

/** UXP's AbortSignal is an EventTarget (uxp-api global-members/data-transfers/abort-signal). */
interface AbortSignal {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
