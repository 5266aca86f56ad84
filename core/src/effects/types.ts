/**
 * The effect contract lives in the leaf module core/src/contract/ (contract v2: a tagged union on `kind`);
 * re-exported here so effect folders and older imports keep one short path.
 */
export * from '../contract/effect.ts';
export type * from '../contract/params.ts';
export type { Rational } from '../contract/rational.ts';
