/**
 * The `uxp` module every plugin loads with `require` (UXP has CommonJS `require` for host modules, and the
 * UXP types do not declare it). Only the entrypoint registry is declared, because @adobe/cc-ext-uxp-types
 * 7.3.1 types `setup({panels})` as an array with every hook required, which contradicts its own
 * documentation (an object keyed by panel id). Each plugin's main.ts adds the overload for its host module.
 * `storage.localFileSystem` is declared by the subset the panel calls (file-picker.ts).
 */
declare global {
  interface UxpPanelHooks {
    /** Manifest v5: receives the panel's root node. Must finish within 300 ms. */
    create?(rootNode: unknown): void | Promise<void>;
    show?(rootNode: unknown, data?: unknown): void | Promise<void>;
  }
  interface UxpModule {
    entrypoints: { setup(config: { panels: Record<string, UxpPanelHooks> }): void };
    /** The file pickers (uxp-api FileSystemProvider); the panel's file-picker.ts declares what it calls. */
    storage: { localFileSystem: import('./file-picker.ts').UxpLocalFileSystem };
  }
  function require(id: 'uxp'): UxpModule;
}
export {};
