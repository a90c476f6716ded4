/**
 * Pin layouts of the boards the Firmata twin can play, as StandardFirmata's Boards.h describes
 * them: which pins are digital, which have PWM, which analog channel a pin carries.
 */

export interface BoardProfile {
  name: string;
  pinCount: number;
  /** Pins Firmata may use as digital I/O (0 and 1 are the USB serial on an Arduino). */
  digital: ReadonlySet<number>;
  pwm: ReadonlySet<number>;
  /** pin → analog channel */
  analog: ReadonlyMap<number, number>;
  pwmBits: number;
  adcBits: number;
  /** Whether the firmware offers INPUT_PULLUP (protocol 2.5). */
  pullUp: boolean;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Arduino Uno (ATmega328P): D2–D13 and A0–A5 (pins 14–19), PWM on 3, 5, 6, 9, 10, 11. */
export const ARDUINO_UNO: BoardProfile = {
  name: 'Arduino Uno',
  pinCount: 20,
  digital: new Set(range(2, 19)),
  pwm: new Set([3, 5, 6, 9, 10, 11]),
  analog: new Map(range(14, 19).map((pin) => [pin, pin - 14])),
  pwmBits: 8,
  adcBits: 10,
  pullUp: true,
};

/** Arduino Mega 2560: D2–D53 and A0–A15 (pins 54–69), PWM on 2–13 and 44–46. */
export const ARDUINO_MEGA: BoardProfile = {
  name: 'Arduino Mega 2560',
  pinCount: 70,
  digital: new Set(range(2, 69)),
  pwm: new Set([...range(2, 13), 44, 45, 46]),
  analog: new Map(range(54, 69).map((pin) => [pin, pin - 54])),
  pwmBits: 8,
  adcBits: 10,
  pullUp: true,
};
