/**
 * The `biosdk,*` drivers against the simulated BioSDK library (simulator/sdk/, built by
 * `make sdk`): device factories with fast simulated timings, and the contract suites' hooks
 * played by the C library's hardware-side controls.
 */
import type { Camera, DeviceErrorCode, FingerprintScanner } from '../../hal/index.ts';
import { systemClock } from '../../hal/clock.ts';
import { BioSdkCamera, biosdkCameraProps, type BiosdkCameraProps } from '../../drivers/biosdk-camera/index.ts';
import { BioSdkFingerprintScanner, biosdkFingerprintProps, type BiosdkFingerprintProps } from '../../drivers/biosdk-fingerprint/index.ts';
import {
  SIM_BIO_CAMERA_SERIAL,
  SIM_BIO_SCANNER_SERIAL,
  SimBioHang,
  SimBioSdkControls,
  simBioSdkLibraryPath,
  type SimBioTiming,
} from '../../simulator/sdk/controls.ts';
import type { CameraHooks } from '../contract/camera.contract.ts';
import type { FingerprintHooks } from '../contract/fingerprint.contract.ts';
import type { CommonHooks, Harness } from '../contract/harness.ts';

export { SIM_BIO_CAMERA_SERIAL, SIM_BIO_SCANNER_SERIAL };

/** Fast enough for tests, slow enough that captures really wait on the SDK's threads. */
export const FAST_TIMING: Required<SimBioTiming> = { openMs: 20, opMs: 2, placeMs: 40, previewFrames: 2, resetMs: 10 };

/** The bio_status a hardware-side failure of each HAL code comes from (drivers/biosdk/errors.ts in reverse). */
const STATUS_FOR: Record<DeviceErrorCode, number> = {
  EIO: -10, // BIO_E_HARDWARE
  ETIMEDOUT: -5,
  ENODEV: -3,
  EBUSY: -4,
  EBADMSG: -8,
  ENOTSUP: -9,
  ECANCELED: -6,
};

let shared: SimBioSdkControls | undefined;

/** One controls binding per test process (a koffi load of the same library the drivers use). */
export function bioSdkControls(): SimBioSdkControls {
  shared ??= new SimBioSdkControls(simBioSdkLibraryPath());
  return shared;
}

/** Puts the simulated hardware back to defaults with fast timings. */
export function resetBioSdk(timing: SimBioTiming = FAST_TIMING): SimBioSdkControls {
  const controls = bioSdkControls();
  controls.resetAll();
  controls.setTiming(null, timing);
  return controls;
}

function commonHooks(controls: SimBioSdkControls, serial: string): CommonHooks {
  return {
    unplug: () => controls.unplug(serial),
    replug: () => controls.replug(serial),
    hangNextCommand: () => controls.hangNext(serial, SimBioHang.UNTIL_CANCEL),
    failNextCommand: (code) => controls.failNext(serial, STATUS_FOR[code]),
  };
}

export function scannerHooks(controls: SimBioSdkControls, serial = SIM_BIO_SCANNER_SERIAL): CommonHooks & FingerprintHooks {
  return {
    ...commonHooks(controls, serial),
    setFingerQuality: (finger, quality) => controls.setQuality(serial, finger, quality),
    setAllFingersQuality: (quality) => controls.setQuality(serial, 0, quality),
    setPersonPlaces: (places) => controls.setPerson(serial, { places }),
    setWrongHand: (wrongHand) => controls.setPerson(serial, { wrongHand }),
    setFingerMissing: (finger, missing) => controls.setFingerMissing(serial, finger, missing),
    duplicateFingerOnce: (finger) => controls.duplicateFingerOnce(serial, finger),
    setSpoof: (spoof) => controls.setPerson(serial, { spoof }),
  };
}

export function cameraHooks(controls: SimBioSdkControls, serial = SIM_BIO_CAMERA_SERIAL): CommonHooks & CameraHooks {
  return { ...commonHooks(controls, serial), setSubject: (subject) => controls.setSubject(serial, subject) };
}

export function newScanner(props: Partial<BiosdkFingerprintProps> = {}, id = 'scanner'): BioSdkFingerprintScanner {
  return new BioSdkFingerprintScanner(
    { id, compatible: 'biosdk,fingerprint', clock: systemClock },
    simBioSdkLibraryPath(),
    biosdkFingerprintProps.parse({ cancelGraceMs: 200, resetTimeoutMs: 2000, ...props }),
  );
}

export function newCamera(props: Partial<BiosdkCameraProps> = {}, id = 'camera'): BioSdkCamera {
  return new BioSdkCamera(
    { id, compatible: 'biosdk,camera', clock: systemClock },
    simBioSdkLibraryPath(),
    biosdkCameraProps.parse({ cancelGraceMs: 200, resetTimeoutMs: 2000, previewIntervalMs: 50, ...props }),
  );
}

export async function scannerHarness(): Promise<Harness<FingerprintScanner, FingerprintHooks>> {
  const controls = resetBioSdk();
  return { device: newScanner(), hooks: scannerHooks(controls), cleanup: async () => undefined };
}

export async function cameraHarness(): Promise<Harness<Camera, CameraHooks>> {
  const controls = resetBioSdk();
  return { device: newCamera(), hooks: cameraHooks(controls), cleanup: async () => undefined };
}
