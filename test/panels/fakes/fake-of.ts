/**
 * Typing for the host fakes: `FakeOf<Official, 'a' | 'b'>` requires each named member to exist on the
 * official type with the official parameter list, to return a Promise exactly where the official API
 * does (async getters) and a non-Promise where it is synchronous (create*Action, executeTransaction,
 * cast...). So a renamed method, a changed parameter or a getter that turned async fails `tsc`, while
 * the fake returns its own objects (official return types have construct signatures no class has).
 * Casting a fake to the official type happens only where a test injects it.
 */
type NotPromise = string | number | boolean | void | null | undefined | (object & { then?: undefined });

export type FakeOf<T, K extends keyof T> = {
  [P in K]: T[P] extends (...args: infer A) => infer R
    ? R extends PromiseLike<unknown>
      ? (...args: A) => Promise<unknown>
      : (...args: A) => NotPromise
    : T[P] extends string | number | boolean
      ? T[P]
      : unknown;
};
