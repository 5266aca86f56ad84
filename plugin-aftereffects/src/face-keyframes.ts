/**
 * Face tracks (the `face-track` analyzer's records) as After Effects keyframes: per track, Position and Scale
 * keys on a new null ("Face 1", ...) or on a chosen layer, one key per tracked frame, in one undo group.
 *
 * Coordinates: the target is parented to the footage layer the track was made from, so its Position is in
 * that layer's own space (source pixels, origin top-left; AE's rule for a child's position) and the keys are
 * the face centre in source pixels, whatever the footage layer's own transform. Scale is the face size
 * relative to its first tracked frame (100% there), so a graphic parented to the null grows with the face.
 * Times: media frame f of the layer shows at comp time startTime + (f / fps) x stretch / 100; frames outside
 * the layer's in/out points are left out.
 */
import type { TrackSample } from '../../core/src/effects/faces/track-sample.ts';
import { HostError } from '../../core/src/panel/host-adapter.ts';
import type { AeApp, AeLayer, AeLayerCollection } from './ae-types.ts';

export const FACE_KEYFRAMES_UNDO = 'mlxvideo: face track keyframes';

/** What a face-track record carries (its `data`). */
export interface FaceTrackData {
  id: number;
  samples: readonly TrackSample[];
}

export interface FaceKeyframePlan {
  id: number;
  times: number[];
  positions: [number, number][];
  scales: [number, number][];
}

/** Key times and values for each track on a footage layer (pure: no host calls). */
export function planFaceKeyframes(
  tracks: readonly FaceTrackData[],
  layer: Pick<AeLayer, 'startTime' | 'stretch' | 'inPoint' | 'outPoint'>,
  mediaFrameRate: number,
): FaceKeyframePlan[] {
  const lo = Math.min(layer.inPoint, layer.outPoint);
  const hi = Math.max(layer.inPoint, layer.outPoint);
  return tracks
    .map((track) => {
      const plan: FaceKeyframePlan = { id: track.id, times: [], positions: [], scales: [] };
      const first = track.samples[0];
      if (!first) return plan;
      const size0 = Math.max(first[3], first[4]);
      for (const [frame, x, y, w, h] of track.samples) {
        const time = layer.startTime + ((frame / mediaFrameRate) * layer.stretch) / 100;
        if (time < lo - 1e-9 || time > hi + 1e-9) continue;
        const s = (Math.max(w, h) / size0) * 100;
        plan.times.push(time);
        plan.positions.push([x + w / 2, y + h / 2]);
        plan.scales.push([s, s]);
      }
      return plan;
    })
    .filter((p) => p.times.length > 0);
}

export interface FaceKeyframeTarget {
  /** 'null': a new null per track; 'layer': keys on `layer` (one track only). */
  kind: 'null' | 'layer';
  layer?: AeLayer;
}

/**
 * Writes the keys in one undo group; returns the layers that carry them. Throws HostError (nothing changed)
 * when the host lacks what is needed or the target does not fit.
 */
export function addFaceTrackKeyframes(
  app: AeApp,
  layers: AeLayerCollection,
  footage: AeLayer,
  tracks: readonly FaceTrackData[],
  mediaFrameRate: number,
  target: FaceKeyframeTarget = { kind: 'null' },
): AeLayer[] {
  const plans = planFaceKeyframes(tracks, footage, mediaFrameRate);
  if (plans.length === 0) return [];
  if (target.kind === 'layer') {
    if (!target.layer) throw new HostError('Choose the layer that should follow the face.');
    if (plans.length > 1)
      throw new HostError(`${plans.length} face tracks: choose one (by id) to put on a layer, or use nulls.`);
    if (target.layer === footage) throw new HostError('The footage layer cannot follow its own face track.');
  } else if (!layers.addNull) {
    throw new HostError('This After Effects does not let plugins add null layers; choose a layer instead.');
  }
  if (!footage.property) throw new HostError(`Layer "${footage.name}" exposes no properties to plugins.`);
  app.beginUndoGroup(FACE_KEYFRAMES_UNDO);
  try {
    return plans.map((plan) => {
      const carrier = target.kind === 'layer' ? target.layer! : layers.addNull!(footage.outPoint);
      if (target.kind === 'null') (carrier as AeLayer & { name: string }).name = `Face ${plan.id}`;
      carrier.parent = footage;
      const transform = carrier.property!('ADBE Transform Group');
      transform.property('ADBE Position').setValuesAtTimes(plan.times, plan.positions);
      transform.property('ADBE Scale').setValuesAtTimes(plan.times, plan.scales);
      return carrier;
    });
  } finally {
    app.endUndoGroup();
  }
}
