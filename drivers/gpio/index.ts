/**
 * The shared layer of the `gpio,*` compatibles (`gpio,door-lock`, `gpio,sensors`): the binding
 * interface, the libgpiod v1 binding behind it, the props pieces and the device base class.
 * docs/drivers/gpio.md describes the whole.
 */
export type { GpioChip, GpioChipBinding, GpioEdgeEvent, GpioLine, LineBias, LineRequest, OutputRequest } from './binding.ts';
export { gpioChipOf } from './config.ts';
export { GpioError, isGpioError } from './errors.ts';
export { libgpiod, type LibgpiodBinding, type LibgpiodOptions } from './libgpiod.ts';
