/**
 * A fake of CEP's `window.cep.fs` file dialogs with the behaviour CEPEngine_extensions.js documents:
 * `showOpenDialogEx(allowMultipleSelection, chooseDirectory, title?, initialPath?, fileTypes?,
 * friendlyFilePrefix?, prompt?)` and `showSaveDialogEx(title?, initialPath?, fileTypes?, defaultName?, ...)`
 * are synchronous and return `{ data, err }`: `data` the chosen paths (open: string[], [] on Cancel; save: a
 * string, '' on Cancel), `err` cep.fs.NO_ERROR (0) or ERR_INVALID_PARAMS (2) for arguments of the wrong type.
 * `fileTypes` are extensions without the dot (the bridge joins them with spaces). `answers` is what the
 * "user" picks, in order (null = Cancel). No Node imports: it also runs in the page.
 */
export const CEP_NO_ERROR = 0;
export const CEP_ERR_INVALID_PARAMS = 2;

export function createFakeCepFs(answers: (string | null)[]) {
  const calls: { method: string; args: unknown[] }[] = [];
  const validTypes = (t: unknown) =>
    t === undefined ||
    (Array.isArray(t) && t.every((x) => typeof x === 'string' && /^[A-Za-z0-9]+$/.test(x)));
  const optionalString = (s: unknown) => s === undefined || typeof s === 'string';
  const next = (): string | null => {
    if (answers.length === 0) throw new Error('cep.fs fake: the test queued no answer for this dialog');
    return answers.shift()!;
  };
  return {
    calls,
    showOpenDialogEx(...args: unknown[]): { data: string[]; err: number } {
      calls.push({ method: 'showOpenDialogEx', args });
      const [allowMultipleSelection, chooseDirectory, title, initialPath, fileTypes] = args;
      if (
        typeof allowMultipleSelection !== 'boolean' ||
        typeof chooseDirectory !== 'boolean' ||
        !optionalString(title) ||
        !optionalString(initialPath) ||
        !validTypes(fileTypes)
      )
        return { data: [], err: CEP_ERR_INVALID_PARAMS };
      const picked = next();
      return { data: picked === null ? [] : [picked], err: CEP_NO_ERROR };
    },
    showSaveDialogEx(...args: unknown[]): { data: string; err: number } {
      calls.push({ method: 'showSaveDialogEx', args });
      const [title, initialPath, fileTypes, defaultName] = args;
      if (
        !optionalString(title) ||
        !optionalString(initialPath) ||
        !validTypes(fileTypes) ||
        !optionalString(defaultName)
      )
        return { data: '', err: CEP_ERR_INVALID_PARAMS };
      const picked = next();
      return { data: picked ?? '', err: CEP_NO_ERROR };
    },
  };
}
