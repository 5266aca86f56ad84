/**
 * The host's file picker for the form's path params (colorize's reference and hints, parallax's photo,
 * face-puppet's portrait...). UXP panels have no `<input type=file>` (HOSTS.md, UXP known issues), so each
 * runtime's own dialog is used through the one function type below:
 * - UXP (Premiere, After Effects 27+): `require('uxp').storage.localFileSystem.getFileForOpening({ types })`
 *   and `getFileForSaving(name, { types })`, which resolve with a File entry (its `nativePath`) or nothing
 *   when the user cancels; the manifests ask for `"localFileSystem": "request"`, which pickers need.
 * - CEP (After Effects 2024–2026): `window.cep.fs.showOpenDialogEx(allowMultiple, chooseDirectory, title,
 *   initialPath, fileTypes)` → `{ data: string[], err }` and `showSaveDialogEx(title, initialPath, fileTypes,
 *   defaultName)` → `{ data: string, err }`, synchronous, `data` empty when cancelled (CEPEngine_extensions.js).
 */

export interface FilePickRequest {
  /** The dialog's title (the param's label). */
  title: string;
  /** Extensions without the dot; empty: any file. */
  fileTypes: readonly string[];
  /** The effect writes the file: ask where to save it (suggesting `suggestedName`). */
  save?: { suggestedName: string };
}

/** Asks the user for one file; resolves with its absolute native path, or null when they cancel. */
export type FilePicker = (request: FilePickRequest) => Promise<string | null>;

/** The part of UXP's `storage.localFileSystem` the picker calls (uxp-api FileSystemProvider). */
export interface UxpLocalFileSystem {
  getFileForOpening(options?: { types?: string[]; allowMultiple?: boolean }): Promise<unknown>;
  getFileForSaving(suggestedName: string, options?: { types?: string[] }): Promise<unknown>;
}

/**
 * A picked UXP entry's path: File entries carry `nativePath`; "empty" (null, undefined, []) is a cancel.
 * An array is read too: older UXP hosts (XD's samples) answered a single pick with `[file]`.
 */
function nativePathOf(picked: unknown): string | null {
  const entry: unknown = Array.isArray(picked) ? picked[0] : picked;
  if (typeof entry !== 'object' || entry === null || !('nativePath' in entry)) return null;
  const path = (entry as { nativePath: unknown }).nativePath;
  return typeof path === 'string' && path.length > 0 ? path : null;
}

export function uxpFilePicker(fs: UxpLocalFileSystem): FilePicker {
  return async (request) => {
    if (request.save) {
      // The save picker documents `types` as required: default to the suggested name's extension.
      const ext = request.save.suggestedName.split('.').pop() ?? '';
      const types = request.fileTypes.length > 0 ? [...request.fileTypes] : [ext];
      return nativePathOf(await fs.getFileForSaving(request.save.suggestedName, { types }));
    }
    // UXP's default is every file (['.*']); an empty list would offer none, so leave `types` out instead.
    const types = request.fileTypes.length > 0 ? { types: [...request.fileTypes] } : {};
    return nativePathOf(await fs.getFileForOpening({ ...types, allowMultiple: false }));
  };
}

/** The part of CEP's `window.cep.fs` the picker calls. `err` 0 is cep.fs.NO_ERROR. */
export interface CepFs {
  showOpenDialogEx(
    allowMultipleSelection: boolean,
    chooseDirectory: boolean,
    title?: string,
    initialPath?: string,
    fileTypes?: string[],
  ): { data: string[]; err: number };
  showSaveDialogEx(
    title?: string,
    initialPath?: string,
    fileTypes?: string[],
    defaultName?: string,
  ): { data: string; err: number };
}

export function cepFilePicker(fs: CepFs): FilePicker {
  return async (request) => {
    const types = request.fileTypes.length > 0 ? [...request.fileTypes] : undefined;
    const result = request.save
      ? fs.showSaveDialogEx(request.title, '', types, request.save.suggestedName)
      : fs.showOpenDialogEx(false, false, request.title, '', types);
    if (result.err !== 0) throw new Error(`the file dialog failed (CEP error ${result.err})`);
    const path = Array.isArray(result.data) ? result.data[0] : result.data;
    return path ? path : null;
  };
}
