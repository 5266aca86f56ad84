/**
 * Keeps the pairing token between sessions in a Storage (UXP's `localStorage`, which persists per plugin),
 * so the user pairs once per machine.
 */
import type { TokenStore } from './panel-controller.ts';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const TOKEN_KEY = 'mlxvideo.daemonToken';

export function storageTokenStore(storage: StorageLike, key = TOKEN_KEY): TokenStore {
  return {
    load: () => storage.getItem(key),
    save: (token) => storage.setItem(key, token),
    clear: () => storage.removeItem(key),
  };
}
