/**
 * Face tracks (the `face-track` analyzer's records) as key times and values on an After Effects footage layer:
 * pure maths shared by the UXP adapter (plugin-aftereffects/src/face-keyframes.ts) and the CEP adapter, whose
 * .jsx only writes what is planned here.
 *
 * Coordinates: the carrier (a null) is parented to the footage layer, so its Position is in that layer's own
 * space (source pixels, origin top-left; AE's rule for a child's position) and the keys are the face centre in
 * source pixels, whatever the footage layer's own transform. Scale is the face size relative to its first
 * tracked frame (100% there), so a graphic parented to the null grows with the face.
 * Times: media frame f of the layer shows at comp time startTime + (f / fps) x stretch / 100; frames outside
 * the layer's in/out points are left out.
 */
import type { TrackSample } from '../effects/faces/track-sample.ts';

/** What a face-track record carries (its `data`), as far as keyframes need it. */
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

/** The layer timing the plan needs (AE's names and units: seconds, stretch in percent). */
export interface LayerTiming {
  startTime: number;
  stretch: number;
  inPoint: number;
  outPoint: number;
}

/** Key times and values for each track on a footage layer; tracks with no frame inside the layer are dropped. */
export function planFaceKeyframes(
  tracks: readonly FaceTrackData[],
  layer: LayerTiming,
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

/** One undo step for all face tracks of one Analyse, in every host. */
export const FACE_TRACKS_UNDO = 'mlxvideo: face track keyframes';

/** The null carrying a track's keys is named after it. */
export const faceNullName = (id: number): string => `Face ${id}`;

/** What the panel says after keyframing face tracks on nulls (After Effects, UXP and CEP alike). */
export function faceNullsMessage(nulls: number): string {
  return nulls === 0
    ? 'No face was tracked inside the selected layers’ in and out points: nothing was added.'
    : `Added ${nulls} null(s) named "Face <id>" with Position and Scale keyframes, parented to the footage layer: parent a graphic to a null to make it follow that face.`;
}

/** Face tracks as markers in frames of the media file (Premiere): one per track, spanning its tracked frames. */
export function faceTrackMarkers(
  tracks: readonly FaceTrackData[],
): { frame: number; duration: number; name: string; comment: string }[] {
  return tracks.flatMap((track) => {
    const first = track.samples[0];
    const last = track.samples.at(-1);
    if (!first || !last) return [];
    const held = track.samples.filter((s) => s[5] === 1).length;
    return [
      {
        frame: first[0],
        duration: last[0] - first[0] + 1,
        name: faceNullName(track.id),
        comment: `face-track id ${track.id}: frames ${first[0]}-${last[0]}, ${track.samples.length - held} detected, ${held} held`,
      },
    ];
  });
}

/** What the panel says after marking face tracks in Premiere, and why there are no keyframes there. */
export function faceMarkersMessage(markers: number): string {
  return (
    `Added ${markers} face marker(s) ("Face <id>", spanning the frames each face is tracked) on the clips' media. ` +
    'No keyframes in Premiere Pro: it has no null layers to carry a track, and keyframing the clip’s own Motion ' +
    'would move the footage rather than a graphic following the face. For keyframes, track the clip in After Effects.'
  );
}
