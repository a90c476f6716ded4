/** Manifest props of `booth,serial-signature-pad` (the port itself comes from `bus`). */
import { z } from 'zod';
import { lineProps } from '../line-protocol/config.ts';

export const serialSignaturePadProps = z
  .object({
    /** The pad's size until it reports its own in the HELLO answer. */
    width: z.number().int().min(100).max(4000).default(800),
    height: z.number().int().min(100).max(4000).default(480),
    /** How long the pad has to acknowledge PROMPT, CLEAR and IDLE inside a collect. */
    requestTimeoutMs: z.number().int().min(50).max(60_000).default(1000),
    ...lineProps,
  })
  .strict();
export type SerialSignaturePadProps = z.infer<typeof serialSignaturePadProps>;
