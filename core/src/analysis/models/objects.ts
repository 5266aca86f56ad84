/**
 * COCO-80 objects with NanoDet (`person-detector-nanodet`): one pass over the whole frame, every class
 * decoded by the shared NanoDet decoder (runtime/person-detections.ts) with its own non-maximum suppression.
 */
import type { F32Frame } from '../../effects/frame.ts';
import { decodeNanoDetDetections, type PersonBox } from '../../runtime/person-detections.ts';
import { runOn, type AnalysisModel } from './run-model.ts';

/** NanoDet's class order (COCO 2017, 80 classes). */
export const COCO_CLASSES = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
] as const;

export interface ObjectBox extends PersonBox {
  label: string;
}

export async function detectObjects(
  model: AnalysisModel,
  frame: F32Frame,
  minScore = 0.4,
): Promise<ObjectBox[]> {
  const { outputs, packed } = await runOn(model, frame);
  const found: ObjectBox[] = [];
  for (let c = 0; c < COCO_CLASSES.length; c++) {
    const boxes = decodeNanoDetDetections(outputs, {
      imageWidth: frame.width,
      imageHeight: frame.height,
      inputWidth: packed.width,
      inputHeight: packed.height,
      minScore,
      iouThreshold: 0.5,
      classIndex: c,
    });
    for (const b of boxes) found.push({ ...b, label: COCO_CLASSES[c]! });
  }
  return found;
}
