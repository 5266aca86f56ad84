/**
 * The contract leaf: frames, rationals, the job error, param schemas, session interfaces and the effect
 * descriptor union. Imports nothing from media/, pipeline/, runtime/ or daemon/, so every one of them can
 * depend on it without depending on each other.
 */
export * from './frame.ts';
export type * from './rational.ts';
export * from './errors.ts';
export type * from './params.ts';
export type * from './session.ts';
export * from './effect.ts';
