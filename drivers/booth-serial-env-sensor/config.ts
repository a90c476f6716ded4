/** Manifest props of `booth,serial-env-sensor` (the port itself comes from `bus`). */
import { z } from 'zod';
import { lineProps } from '../line-protocol/config.ts';

export const serialEnvSensorProps = z.object({ ...lineProps }).strict();
export type SerialEnvSensorProps = z.infer<typeof serialEnvSensorProps>;
