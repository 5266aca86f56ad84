/**
 * Shot scale from the largest face and the tallest person, relative to the frame height. The bands follow
 * the usual framing definitions: a BlazeFace box spans brows to chin, about two thirds of the head, so a face
 * box over half the frame height means only part of the face is in frame (extreme close-up), a fifth or
 * more is a head-and-shoulders close-up, 13% or more a medium close-up (chest up: a head a fifth of the
 * frame, its brows-to-chin box two thirds of that). Without a large face, a person taller than 60% of the
 * frame (cut by its edges) is a medium shot, a whole person of a fifth or more of the height a wide shot, and
 * smaller people an extreme wide shot. No face and no person: unknown.
 */
export type ShotScale =
  'extreme-close-up' | 'close-up' | 'medium-close-up' | 'medium' | 'wide' | 'extreme-wide';

export const SHOT_SCALES: readonly ShotScale[] = [
  'extreme-close-up',
  'close-up',
  'medium-close-up',
  'medium',
  'wide',
  'extreme-wide',
];

export function shotScale(faceHeight: number, personHeight: number): ShotScale | null {
  if (faceHeight >= 0.5) return 'extreme-close-up';
  if (faceHeight >= 0.2) return 'close-up';
  if (faceHeight >= 0.13) return 'medium-close-up';
  if (personHeight >= 0.6 || faceHeight >= 0.05) return 'medium';
  if (personHeight >= 0.2) return 'wide';
  if (personHeight > 0) return 'extreme-wide';
  return null;
}
