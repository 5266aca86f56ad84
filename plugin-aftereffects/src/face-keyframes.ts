/**
 * Face tracks (the `face-track` analyzer's records) as After Effects keyframes (UXP DOM): per track, Position
 * and Scale keys on a new null ("Face 1", ...) or on a chosen layer, one key per tracked frame, all in one
 * undo group. The key times and values are planned in core/src/panel/face-keyframe-plan.ts (shared with the
 * CEP .jsx); this file only checks the target and writes.
 */
import {
  FACE_TRACKS_UNDO,
  faceNullName,
  planFaceKeyframes,
  type FaceKeyframePlan,
  type FaceTrackData,
} from '../../core/src/panel/face-keyframe-plan.ts';
import { HostError } from '../../core/src/panel/host-adapter.ts';
import type { AeApp, AeLayer, AeLayerCollection } from './ae-types.ts';

export { planFaceKeyframes, type FaceKeyframePlan, type FaceTrackData };

export const FACE_KEYFRAMES_UNDO = FACE_TRACKS_UNDO;

export interface FaceKeyframeTarget {
  /** 'null': a new null per track; 'layer': keys on `layer` (one track only). */
  kind: 'null' | 'layer';
  layer?: AeLayer;
}

/** One footage layer and the tracks found in its media. */
export interface FootageTracks {
  footage: AeLayer;
  tracks: readonly FaceTrackData[];
  mediaFrameRate: number;
  target?: FaceKeyframeTarget;
}

/**
 * Writes the keys of every footage layer in ONE undo group; returns the layers that carry them. Throws
 * HostError (nothing changed: every check runs before the group opens) when the host lacks what is needed
 * or a target does not fit.
 */
export function addFaceTrackKeyframesToLayers(
  app: AeApp,
  layers: AeLayerCollection,
  items: readonly FootageTracks[],
  undoLabel = FACE_KEYFRAMES_UNDO,
): AeLayer[] {
  const work = items.map((item) => {
    const target = item.target ?? { kind: 'null' };
    const plans = planFaceKeyframes(item.tracks, item.footage, item.mediaFrameRate);
    if (plans.length > 0) checkTarget(layers, item.footage, target, plans);
    return { footage: item.footage, target, plans };
  });
  if (work.every((w) => w.plans.length === 0)) return [];
  app.beginUndoGroup(undoLabel);
  try {
    return work.flatMap(({ footage, target, plans }) =>
      plans.map((plan) => {
        const carrier = target.kind === 'layer' ? target.layer! : layers.addNull!(footage.outPoint);
        if (target.kind === 'null') (carrier as AeLayer & { name: string }).name = faceNullName(plan.id);
        carrier.parent = footage;
        const transform = carrier.property!('ADBE Transform Group');
        transform.property('ADBE Position').setValuesAtTimes(plan.times, plan.positions);
        transform.property('ADBE Scale').setValuesAtTimes(plan.times, plan.scales);
        return carrier;
      }),
    );
  } finally {
    app.endUndoGroup();
  }
}

function checkTarget(
  layers: AeLayerCollection,
  footage: AeLayer,
  target: FaceKeyframeTarget,
  plans: readonly FaceKeyframePlan[],
): void {
  if (target.kind === 'layer') {
    if (!target.layer) throw new HostError('Choose the layer that should follow the face.');
    if (plans.length > 1)
      throw new HostError(`${plans.length} face tracks: choose one (by id) to put on a layer, or use nulls.`);
    if (target.layer === footage) throw new HostError('The footage layer cannot follow its own face track.');
  } else if (!layers.addNull) {
    throw new HostError('This After Effects does not let plugins add null layers; choose a layer instead.');
  }
  if (!footage.property) throw new HostError(`Layer "${footage.name}" exposes no properties to plugins.`);
}

/** One footage layer's tracks (see addFaceTrackKeyframesToLayers). */
export function addFaceTrackKeyframes(
  app: AeApp,
  layers: AeLayerCollection,
  footage: AeLayer,
  tracks: readonly FaceTrackData[],
  mediaFrameRate: number,
  target: FaceKeyframeTarget = { kind: 'null' },
): AeLayer[] {
  return addFaceTrackKeyframesToLayers(app, layers, [{ footage, tracks, mediaFrameRate, target }]);
}
