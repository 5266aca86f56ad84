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

/**
 * UXP's `storage.localFileSystem` pickers (uxp-api FileSystemProvider, Premiere reference), with the documented
 * call shapes enforced: `getFileForOpening(options?)` takes only initialDomain / types / initialLocation /
 * allowMultiple, `types` an array of extensions without the dot (`['txt']`, the default `['.*']`), and
 * resolves with a File entry, an array of them when allowMultiple, or empty (null / []) on Cancel;
 * `getFileForSaving(suggestedName, options)` needs a name and `types`, and resolves with a File or null.
 * `answers` is what the "user" picks, in order (null = Cancel); a picker call with none left fails the test.
 */
export function createFakeLocalFileSystem(answers: (string | null)[]) {
  const calls: { method: string; suggestedName?: string; options: Record<string, unknown> }[] = [];
  const file = (nativePath: string) => ({
    isEntry: true,
    isFile: true,
    isFolder: false,
    name: nativePath.split(/[\\/]/).pop() ?? nativePath,
    nativePath,
    url: `file:${nativePath}`,
  });
  const checkOptions = (options: unknown, allowed: string[]): Record<string, unknown> => {
    if (options === undefined) return {};
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new TypeError('localFileSystem: options must be an object');
    for (const key of Object.keys(options))
      if (!allowed.includes(key)) throw new TypeError(`localFileSystem: unknown option "${key}"`);
    const { types, allowMultiple } = options as { types?: unknown; allowMultiple?: unknown };
    if (
      types !== undefined &&
      (!Array.isArray(types) ||
        types.length === 0 ||
        types.some((t) => typeof t !== 'string' || !/^(\.\*|[A-Za-z0-9]+)$/.test(t)))
    )
      throw new TypeError(
        `localFileSystem: types must be extensions without the dot, got ${JSON.stringify(types)}`,
      );
    if (allowMultiple !== undefined && typeof allowMultiple !== 'boolean')
      throw new TypeError('localFileSystem: allowMultiple must be a boolean');
    return options as Record<string, unknown>;
  };
  const next = (): string | null => {
    if (answers.length === 0)
      throw new Error('localFileSystem fake: the test queued no answer for this picker');
    return answers.shift()!;
  };
  return {
    calls,
    getFileForOpening(options?: unknown): Promise<unknown> {
      const o = checkOptions(options, ['initialDomain', 'types', 'initialLocation', 'allowMultiple']);
      calls.push({ method: 'getFileForOpening', options: o });
      const picked = next();
      if (o.allowMultiple === true) return Promise.resolve(picked === null ? [] : [file(picked)]);
      return Promise.resolve(picked === null ? null : file(picked));
    },
    getFileForSaving(suggestedName: unknown, options?: unknown): Promise<unknown> {
      if (typeof suggestedName !== 'string' || suggestedName === '')
        throw new TypeError('localFileSystem: getFileForSaving needs a suggested file name');
      const o = checkOptions(options, ['initialDomain', 'types']);
      if (o.types === undefined) throw new TypeError('localFileSystem: getFileForSaving needs options.types');
      calls.push({ method: 'getFileForSaving', suggestedName, options: o });
      const picked = next();
      return Promise.resolve(picked === null ? null : file(picked));
    },
  };
}
