/**
 * An in-memory `uxp` module: the entrypoint registry (UXP requires `entrypoints.setup` to be called once,
 * at load time — a late or second call throws) and `storage.localFileSystem` is not needed by the panel.
 * Plus a Storage-like token store like UXP's `localStorage`.
 */
export interface PanelHooks {
  create?(rootNode?: unknown): void | Promise<void>;
  show?(rootNode?: unknown, data?: unknown): void | Promise<void>;
}
export interface EntrypointsSetup {
  plugin?: { create?(): void; destroy?(): void };
  panels?: Record<string, PanelHooks>;
}

export function createFakeUxp() {
  let registered: EntrypointsSetup | null = null;
  return {
    module: {
      entrypoints: {
        setup(config: EntrypointsSetup): void {
          if (registered) throw new Error('entrypoints.setup may be called only once');
          registered = config;
        },
      },
    },
    /** What the plugin registered (null until setup ran). */
    get registered(): EntrypointsSetup | null {
      return registered;
    },
  };
}

/** The subset of UXP `localStorage` the panel's token store uses. */
export class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}
