import sharp from 'sharp';
import { Thumbnailer } from './attachment-service';

/** Images larger than this many pixels are not decoded (decompression bombs). */
const MAX_INPUT_PIXELS = 40_000_000;

/** A WebP thumbnail at most `px` on its longer side (never enlarged), EXIF orientation applied. */
export const sharpThumbnailer = (px: number): Thumbnailer => (bytes) =>
  sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .resize(px, px, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70 })
    .toBuffer();
