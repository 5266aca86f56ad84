/**
 * The per-frame sample of a face-track record, in a leaf module with no imports so browser-side code (the
 * After Effects panel's keyframe writer) can use the type without pulling in Node modules.
 */

/** One tracked frame: [frame, x, y, w, h, held (1) or detected (0)], frame pixels, top-left origin. */
export type TrackSample = [number, number, number, number, number, 0 | 1];
