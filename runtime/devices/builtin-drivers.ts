/**
 * The match table of every implementation this build ships, by manifest `compatible`.
 * Only the composition root (runtime/booth.ts, via boothd/boothctl) imports this file.
 */
import { join, resolve } from 'node:path';
import { SimCamera, simCameraProps } from '../../simulator/devices/sim-camera.ts';
import { SimFingerprintScanner, simFingerprintProps } from '../../simulator/devices/sim-fingerprint.ts';
import { SimSignaturePad, simSignaturePadProps } from '../../simulator/devices/sim-signature-pad.ts';
import { SimDocumentReader, simDocumentReaderProps } from '../../simulator/devices/sim-document-reader.ts';
import { SimDoorLock, simDoorLockProps } from '../../simulator/devices/sim-door-lock.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { SimSensors, simSensorsProps } from '../../simulator/devices/sim-sensors.ts';
import { dmxUsbProProps, EnttecDmxUsbPro } from '../../drivers/enttec-dmx-usb-pro/index.ts';
import { SerialEnvSensor, serialEnvSensorProps } from '../../drivers/booth-serial-env-sensor/index.ts';
import { SerialSignaturePad, serialSignaturePadProps } from '../../drivers/booth-serial-signature-pad/index.ts';
import { serialBus } from '../../drivers/line-protocol/config.ts';
import { BioSdkCamera, biosdkCameraProps } from '../../drivers/biosdk-camera/index.ts';
import { BioSdkFingerprintScanner, biosdkFingerprintProps } from '../../drivers/biosdk-fingerprint/index.ts';
import { sdkLibraryOf } from '../../drivers/biosdk/config.ts';
import { FirmataBoards, serialTarget } from '../../drivers/firmata/index.ts';
import { FirmataDoorLock, firmataDoorLockProps } from '../../drivers/firmata-door-lock/index.ts';
import { FirmataSensors, firmataSensorsProps } from '../../drivers/firmata-sensors/index.ts';
import { FirmataPwmLighting, firmataPwmLightingProps } from '../../drivers/firmata-pwm-lighting/index.ts';
import { gpioChipOf, libgpiod } from '../../drivers/gpio/index.ts';
import { GpioDoorLock, gpioDoorLockProps } from '../../drivers/gpio-door-lock/index.ts';
import { GpioSensors, gpioSensorsProps } from '../../drivers/gpio-sensors/index.ts';
import { defineDriver, DriverRegistry } from './registry.ts';

export function builtinDrivers(): DriverRegistry {
  // Firmata devices on the same serial path share one board connection (docs/drivers/firmata.md).
  const firmataBoards = new FirmataBoards();
  const onFirmataBoard = (context: { id: string; bus: { type: string; path?: string; baudRate?: number } }) => ({
    boards: firmataBoards,
    ...serialTarget(context.bus, context.id),
  });
  // GPIO devices reach the PC's chips through libgpiod v1, loaded on the first open (docs/drivers/gpio.md).
  const gpio = libgpiod();
  const onGpioChip = (context: { id: string; bus: { type: string; chip?: string } }) => ({ gpio, chip: gpioChipOf(context.bus, context.id) });
  return new DriverRegistry([
    defineDriver({
      compatible: 'sim,door-lock',
      deviceClass: 'door-lock',
      description: 'simulated fail-safe door lock; bolt position kept in a state file',
      buses: ['sim'],
      props: simDoorLockProps,
      create: (context, props) =>
        new SimDoorLock(context, {
          ...props,
          stateFile: resolve(context.stateDir, props.stateFile ?? join('sim', `${context.id}.json`)),
        }),
    }),
    defineDriver({
      compatible: 'sim,lighting',
      deviceClass: 'lighting',
      description: 'simulated dimmable lighting channels and scenes',
      buses: ['sim'],
      props: simLightingProps,
      create: (context, props) => new SimLighting(context, props),
    }),
    defineDriver({
      compatible: 'sim,sensors',
      deviceClass: 'sensors',
      description: 'simulated occupancy, door contact, exit button, fire alarm, tamper, climate, UPS',
      buses: ['sim'],
      props: simSensorsProps,
      create: (context, props) => new SimSensors(context, props),
    }),
    defineDriver({
      compatible: 'sim,document-reader',
      deviceClass: 'document-reader',
      description: 'simulated MRZ / barcode reader',
      buses: ['sim'],
      props: simDocumentReaderProps,
      create: (context, props) => new SimDocumentReader(context, props),
    }),
    defineDriver({
      compatible: 'sim,fingerprint',
      deviceClass: 'fingerprint',
      description: 'simulated 500 ppi 4-4-2 slap and palm scanner with segmentation and liveness',
      buses: ['sim'],
      props: simFingerprintProps,
      create: (context, props) => new SimFingerprintScanner(context, props),
    }),
    defineDriver({
      compatible: 'sim,camera',
      deviceClass: 'camera',
      description: 'simulated portrait camera producing JPEG with face checks',
      buses: ['sim'],
      props: simCameraProps,
      create: (context, props) => new SimCamera(context, props),
    }),
    defineDriver({
      compatible: 'sim,signature-pad',
      deviceClass: 'signature-pad',
      description: 'simulated pen pad with pressure, buttons and PNG rendering',
      buses: ['sim'],
      props: simSignaturePadProps,
      create: (context, props) => new SimSignaturePad(context, props),
    }),
    defineDriver({
      compatible: 'enttec,dmx-usb-pro',
      deviceClass: 'lighting',
      description: 'DMX512 lighting through an Enttec DMX USB Pro (API framing on a serial port), with fades and keep-alive refresh',
      buses: ['serial'],
      props: dmxUsbProProps,
      create: (context, props) => {
        if (context.bus.type !== 'serial') throw new Error(`${context.id}: enttec,dmx-usb-pro needs a serial bus, not "${context.bus.type}"`);
        const { path, baudRate } = context.bus;
        return new EnttecDmxUsbPro({ id: context.id, compatible: context.compatible, clock: context.clock, port: { path, baudRate } }, props);
      },
    }),
    defineDriver({
      compatible: 'booth,serial-signature-pad',
      deviceClass: 'signature-pad',
      description: 'pen pad with screen and OK/clear/cancel buttons on a serial port, BSP/1 line protocol (docs/protocols/signature-pad-serial.md)',
      buses: ['serial'],
      props: serialSignaturePadProps,
      create: (context, props) => new SerialSignaturePad(context, { ...props, ...serialBus(context.bus) }),
    }),
    defineDriver({
      compatible: 'booth,serial-env-sensor',
      deviceClass: 'sensors',
      description: 'temperature, humidity and UPS mains/battery monitor on a serial port, BES/1 line protocol (docs/protocols/env-sensor-serial.md)',
      buses: ['serial'],
      props: serialEnvSensorProps,
      create: (context, props) => new SerialEnvSensor(context, { ...props, ...serialBus(context.bus) }),
    }),
    defineDriver({
      compatible: 'biosdk,fingerprint',
      deviceClass: 'fingerprint',
      description: '4-4-2 slap, flat, rolled and palm scanner through the vendor BioSDK C library (koffi FFI; bus library = the .so)',
      buses: ['sdk'],
      props: biosdkFingerprintProps,
      create: (context, props) => new BioSdkFingerprintScanner(context, sdkLibraryOf(context.bus), props),
    }),
    defineDriver({
      compatible: 'biosdk,camera',
      deviceClass: 'camera',
      description: 'portrait camera with ICAO checks and JPEG preview through the vendor BioSDK C library (koffi FFI; bus library = the .so)',
      buses: ['sdk'],
      props: biosdkCameraProps,
      create: (context, props) => new BioSdkCamera(context, sdkLibraryOf(context.bus), props),
    }),
    defineDriver({
      compatible: 'firmata,door-lock',
      deviceClass: 'door-lock',
      description: 'fail-safe lock relay with bolt sensor and door contact on a Firmata I/O board (johnny-five + firmata-io; docs/drivers/firmata.md)',
      buses: ['serial'],
      props: firmataDoorLockProps,
      create: (context, props) => new FirmataDoorLock(context, props, onFirmataBoard(context)),
    }),
    defineDriver({
      compatible: 'firmata,sensors',
      deviceClass: 'sensors',
      description: 'exit button, fire alarm, PIR, door contact, tamper, UPS inputs and analog climate on a Firmata I/O board (docs/drivers/firmata.md)',
      buses: ['serial'],
      props: firmataSensorsProps,
      create: (context, props) => new FirmataSensors(context, props, onFirmataBoard(context)),
    }),
    defineDriver({
      compatible: 'firmata,pwm-lighting',
      deviceClass: 'lighting',
      description: 'PWM light channels and on/off status LEDs on a Firmata I/O board, with scenes (docs/drivers/firmata.md)',
      buses: ['serial'],
      props: firmataPwmLightingProps,
      create: (context, props) => new FirmataPwmLighting(context, props, onFirmataBoard(context)),
    }),
    defineDriver({
      compatible: 'gpio,door-lock',
      deviceClass: 'door-lock',
      description: 'fail-safe lock relay with bolt sensor and door contact on the booth PC\'s GPIO lines (libgpiod v1 character device; docs/drivers/gpio.md)',
      buses: ['gpio'],
      props: gpioDoorLockProps,
      create: (context, props) => new GpioDoorLock(context, props, onGpioChip(context)),
    }),
    defineDriver({
      compatible: 'gpio,sensors',
      deviceClass: 'sensors',
      description: 'exit button, fire alarm, PIR, door contact, tamper and UPS inputs on the booth PC\'s GPIO lines, debounced edge events (docs/drivers/gpio.md)',
      buses: ['gpio'],
      props: gpioSensorsProps,
      create: (context, props) => new GpioSensors(context, props, onGpioChip(context)),
    }),
  ]);
}
