/**
 * TensorFlow's resize flags (`align_corners`, `half_pixel_centers`) mapped to ONNX Resize attributes. TFJS graph
 * models and TFLite flatbuffers carry the same two flags with the same meaning, so both converters use this one
 * mapping.
 */
export function tfResizeAttrs(
  mode: 'linear' | 'nearest',
  alignCorners: boolean,
  halfPixel: boolean,
): Record<string, string> {
  const transform = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const attrs: Record<string, string> = { mode, coordinate_transformation_mode: transform };
  if (mode === 'nearest') {
    // TF nearest picks floor(x·in/out) (legacy), floor((x+0.5)·in/out) (half pixel) or round(x·(in-1)/(out-1))
    // (corners). Half pixel: ONNX half_pixel gives (x+0.5)·in/out − 0.5, and round_prefer_ceil(v − 0.5) =
    // floor(v), the same pixel without the deprecated tf_half_pixel_for_nn mode.
    attrs.nearest_mode = alignCorners || halfPixel ? 'round_prefer_ceil' : 'floor';
  }
  return attrs;
}
