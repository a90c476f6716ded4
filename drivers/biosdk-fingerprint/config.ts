/** Manifest props of `biosdk,fingerprint` (the library path comes from `bus: { type: sdk, library }`). */
import { z } from 'zod';
import type { FingerprintCapability } from '../../hal/fingerprint.ts';
import { bioSdkCommonProps } from '../biosdk/config.ts';

const CAPABILITIES = ['slap', 'flat', 'rolled', 'palm', 'preview', 'liveness', 'segmentation'] as const satisfies readonly FingerprintCapability[];

export const biosdkFingerprintProps = z
  .object({
    ...bioSdkCommonProps,
    /** Default capture timeout: how long a person may take to place a hand. */
    captureTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
    /**
     * What the booth may use; narrowed at open to what the scanner reports. Declared here
     * because the capability list must be known before the device is opened.
     */
    capabilities: z.array(z.enum(CAPABILITIES)).min(1).default([...CAPABILITIES]),
  })
  .strict();
export type BiosdkFingerprintProps = z.infer<typeof biosdkFingerprintProps>;
