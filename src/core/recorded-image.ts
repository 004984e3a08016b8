/**
 * Longest image string kept as sent in the audit trail and the decision log line. A longer one is still judged (and
 * denied), but only its head is kept: a megabyte "image" is an attack, not a name, and must not become a megabyte
 * of log for every review that carries it.
 */
export const MAX_RECORDED_IMAGE_LENGTH = 4096;

export function recordedImage(image: string): string {
  return image.length > MAX_RECORDED_IMAGE_LENGTH ? `${image.slice(0, MAX_RECORDED_IMAGE_LENGTH)}…` : image;
}
