/** Document reader contract: waits for a document, reads MRZ and barcodes, unreadable is EBADMSG. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type DocumentReader } from '../../hal/index.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface DocumentReaderHooks {
  presentMrz(lines: readonly string[]): void;
  presentBarcode(text: string): void;
  presentUnreadable(): void;
  removeDocument(): void;
}

/** A specimen TD3 passport MRZ (the ICAO 9303 example person, not a real one). */
export const SPECIMEN_MRZ = ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'];

export function documentReaderContract(name: string, factory: HarnessFactory<DocumentReader, DocumentReaderHooks>): void {
  // The lifecycle probe reads a document that lies on the reader, so it answers at once.
  const withDocument: HarnessFactory<DocumentReader, DocumentReaderHooks> = async () => {
    const harness = await factory();
    harness.hooks.presentBarcode('Q-0001');
    return harness;
  };
  lifecycleContract(name, withDocument, (device, options) => device.read(options));

  describe(`${name}: document reader contract`, () => {
    const opened = openedHarness(factory);

    it('times out when no document comes', async () => {
      await assert.rejects(opened().device.read({ timeoutMs: 100 }), (error) => isDeviceError(error, 'ETIMEDOUT'));
    });

    it('waits for a passport and reads its MRZ', async () => {
      const pending = opened().device.read({ timeoutMs: 5000 });
      opened().hooks.presentMrz(SPECIMEN_MRZ);
      const read = await pending;
      assert.equal(read.kind, 'mrz');
      assert.equal(read.text, SPECIMEN_MRZ.join('\n'));
      opened().hooks.removeDocument();
    });

    it('reads a queue ticket barcode', async () => {
      opened().hooks.presentBarcode('Q-2026-000123');
      assert.deepEqual(
        { ...(await opened().device.read({ timeoutMs: 5000 })), readAt: 0 },
        { kind: 'barcode', text: 'Q-2026-000123', readAt: 0 },
      );
      opened().hooks.removeDocument();
    });

    it('answers EBADMSG for a document it cannot decode', async () => {
      opened().hooks.presentUnreadable();
      await assert.rejects(opened().device.read({ timeoutMs: 5000 }), (error) => isDeviceError(error, 'EBADMSG'));
      opened().hooks.removeDocument();
    });
  });
}
