/** Moved to runtime/srgb.ts (shared by every effect); kept so existing imports keep working. */
export { linearToSrgb, srgbToLinear } from '../../runtime/srgb.ts';
