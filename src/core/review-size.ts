import type { ReviewLimits } from './types';

/** 256 images and 1 MiB of image strings: far beyond any real pod, small enough to judge in a few milliseconds. */
export const DEFAULT_REVIEW_LIMITS: ReviewLimits = { maxImages: 256, maxImageChars: 1024 * 1024 };

/**
 * Why a review is too big to be judged image by image, or null when it is not. Checked before anything is looked
 * up, so the work a review can cause is bounded by the limits, not by the request.
 */
export function reviewSizeProblem(images: readonly string[], limits: ReviewLimits): string | null {
  if (images.length > limits.maxImages) {
    return `the pod names ${images.length} images; at most ${limits.maxImages} are reviewed`;
  }
  let chars = 0;
  for (const image of images) chars += image.length;
  if (chars > limits.maxImageChars) {
    return `the pod's image references total ${chars} characters; at most ${limits.maxImageChars} are reviewed`;
  }
  return null;
}
