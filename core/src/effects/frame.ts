/** Frames live in the contract leaf (core/src/contract/frame.ts); re-exported for existing imports. */
export * from '../contract/frame.ts';
