/** Manifest props of `biosdk,camera` (the library path comes from `bus: { type: sdk, library }`). */
import { z } from 'zod';
import { bioSdkCommonProps } from '../biosdk/config.ts';

export const biosdkCameraProps = z
  .object({
    ...bioSdkCommonProps,
    captureTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** Preview frame interval asked of the camera's streaming thread. */
    previewIntervalMs: z.number().int().min(20).max(5000).default(250),
    /** First JPEG buffer size; grown (once per capture) when the camera asks for more, up to maxJpegBytes. */
    jpegBufferBytes: z.number().int().min(4096).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
    maxJpegBytes: z.number().int().min(4096).max(64 * 1024 * 1024).default(16 * 1024 * 1024),
  })
  .strict();
export type BiosdkCameraProps = z.infer<typeof biosdkCameraProps>;
