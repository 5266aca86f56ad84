/** Detection and tracking params shared by face-anonymize and face-track (same values give the same ids). */
import { ParamError } from '../params.ts';
import type { ParamSchema } from '../types.ts';

export type FaceParams = { minScore: number; hold: number; smallFaces: boolean };

export const faceParams = {
  minScore: {
    type: 'number',
    label: 'Detection threshold',
    help: 'Lower finds more faces (and more false ones); anonymising errs low',
    default: 0.5,
    min: 0.05,
    max: 0.99,
    displayMin: 0.2,
    displayMax: 0.9,
    step: 0.01,
  },
  hold: {
    type: 'number',
    label: 'Hold (frames)',
    help: 'Frames a face stays tracked (and covered) after the detector loses it',
    default: 12,
    min: 0,
    max: 240,
    displayMin: 0,
    displayMax: 48,
    step: 1,
    integer: true,
  },
  smallFaces: {
    type: 'boolean',
    label: 'Find small faces',
    help: 'Also search overlapping tiles of large frames (wide shots); slower',
    default: true,
  },
} as const satisfies ParamSchema;

export function parseKeepIds(text: string): ReadonlySet<number> {
  const ids = new Set<number>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const id = Number(part);
    if (!Number.isInteger(id) || id < 1) {
      throw new ParamError(`param "keep" must list track ids like "1,3", got "${text}"`, 'keep');
    }
    ids.add(id);
  }
  return ids;
}
