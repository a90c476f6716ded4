/**
 * The lifecycle, fingerprint and camera contracts against the real `biosdk,*` drivers, with the
 * simulated vendor SDK (simulator/sdk/, a C shared library built by `make sdk`) on the other side
 * of koffi: every capture, preview frame and fault crosses the same FFI boundary a vendor
 * library would.
 */
import { cameraContract } from './camera.contract.ts';
import { fingerprintContract } from './fingerprint.contract.ts';
import { cameraHarness, scannerHarness } from '../support/bio-sdk-harness.ts';

fingerprintContract('biosdk,fingerprint', scannerHarness);
cameraContract('biosdk,camera', cameraHarness);
