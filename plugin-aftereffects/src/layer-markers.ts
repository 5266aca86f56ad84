/**
 * Shot markers in After Effects: the shots found in a selected footage layer's media become layer markers
 * (comment = "Shot N · scale: objects; tags; text", duration = the shot), at comp time, inside one undo
 * group. Layer marker keys live at comp times: media second m of a layer shows at
 * startTime + m x stretch / 100, and only shots that start between the layer's in and out points are kept.
 */
import type { ShotMarkerLike } from '../../core/src/analysis/markers/placement.ts';
import { layerMarkerTimes } from '../../core/src/panel/layer-marker-times.ts';
import { HostError } from '../../core/src/panel/host-adapter.ts';
import type { AeLayer, AeModule } from './ae-types.ts';

export const LAYER_MARKERS_UNDO = 'mlxvideo: shot markers';

export interface LayerShots {
  markers: readonly ShotMarkerLike[];
  frameRate: number;
}

/** Adds the layers' shots as layer markers in one undo group; returns how many were added. */
export function addLayerShotMarkers(
  ae: AeModule,
  layers: readonly { layer: AeLayer; shots: LayerShots }[],
  undoLabel: string = LAYER_MARKERS_UNDO,
): number {
  const MarkerValue = ae.MarkerValue;
  if (!MarkerValue) throw new HostError('This After Effects does not expose MarkerValue to plugins.');
  const plans = layers.map(({ layer, shots }) => {
    const marker = layer.property?.('Marker');
    if (!marker) throw new HostError(`Layer "${layer.name}" has no marker property.`);
    return { marker, placed: layerMarkerTimes(layer, shots) };
  });
  const count = plans.reduce((n, p) => n + p.placed.length, 0);
  if (count === 0) return 0;
  ae.app.beginUndoGroup(undoLabel);
  try {
    for (const { marker, placed } of plans) {
      for (const p of placed) {
        const value = new MarkerValue(p.comment);
        value.duration = p.duration;
        marker.setValueAtTime(p.compTime, value);
      }
    }
  } finally {
    ae.app.endUndoGroup();
  }
  return count;
}
