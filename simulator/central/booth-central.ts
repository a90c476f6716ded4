/**
 * booth-central: the simulated central receiver as a program, for test engineers and rigs.
 *   booth-central --out DIR [--broker URL] --central-key FILE --booth-keys DIR [--share GROUP] [--mqtt-version 4|5]
 *                 [--an2 [--an2-utc-offset MINUTES]]
 * Each accepted package is written to DIR/<packageId>/ (captures + manifest.json). Booth public
 * keys are read from DIR-of-booth-keys/<boothId>.pub. Prints one line per event. Runs until
 * SIGTERM/SIGINT. Several instances with the same --share group split the load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPrivateKey, loadPublicKey } from '../../protocols/capture/keys.ts';
import { createX25519Crypto } from '../../protocols/capture/x25519-aes-gcm.ts';
import { CaptureReceiver } from './capture-receiver.ts';

const USAGE =
  'usage: booth-central --out DIR [--broker URL] --central-key FILE --booth-keys DIR [--share GROUP] [--mqtt-version 4|5] [--an2 [--an2-utc-offset MINUTES]]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        broker: { type: 'string', default: 'mqtt://localhost:1883' },
        'central-key': { type: 'string' },
        'booth-keys': { type: 'string' },
        share: { type: 'string' },
        'mqtt-version': { type: 'string', default: '5' },
        'resume-after-ms': { type: 'string', default: '5000' },
        an2: { type: 'boolean', default: false },
        // The booths' UTC offset for the .an2 local dates (DAT); the packages carry UTC only.
        'an2-utc-offset': { type: 'string', default: '0' },
      },
    }));
  } catch (error) {
    process.stderr.write(`booth-central: ${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const { out, broker } = values;
  const centralKey = values['central-key'];
  const boothKeys = values['booth-keys'];
  const version = Number(values['mqtt-version']);
  const utcOffsetMinutes = Number(values['an2-utc-offset']);
  if (!out || !centralKey || !boothKeys || (version !== 4 && version !== 5) || !Number.isInteger(utcOffsetMinutes)) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const crypto = createX25519Crypto({ centralPrivateKey: loadPrivateKey(centralKey, 'central') });
  const receiver = new CaptureReceiver({
    brokerUrl: broker,
    outDir: out,
    crypto,
    boothKey: (boothId) => {
      const file = join(boothKeys, `${boothId}.pub`);
      return existsSync(file) ? loadPublicKey(file, 'booth') : undefined;
    },
    ...(values.share ? { shareGroup: values.share } : {}),
    protocolVersion: version,
    resumeAfterMs: Number(values['resume-after-ms']),
    writeAnsiNist: values.an2 === true,
    ansiNist: { utcOffsetMinutes },
    report: (report) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...report })}\n`),
  });
  await receiver.start();
  process.stdout.write(`${JSON.stringify({ event: 'ready', broker, out })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await receiver.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`booth-central: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
