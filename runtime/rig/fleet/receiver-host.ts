/**
 * One central capture receiver in a process of its own (the project's CaptureReceiver, MQTT 5,
 * `$share/<group>/…` so several split the chunks), reporting every stored, duplicate, rejected
 * package and resume request to the fleet coordinator with the time it happened.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CaptureReceiver } from '../../../simulator/central/capture-receiver.ts';
import { createX25519Crypto } from '../../../protocols/capture/x25519-aes-gcm.ts';
import { toParent, type ReceiverHostConfig, type ToReceiverHost } from './ipc.ts';

let receiver: CaptureReceiver | undefined;

async function start(config: ReceiverHostConfig): Promise<void> {
  const pems = JSON.parse(readFileSync(config.boothKeysFile, 'utf8')) as Record<string, string>;
  const keys = new Map<string, KeyObject>();
  receiver = new CaptureReceiver({
    brokerUrl: config.brokerUrl,
    outDir: config.outDir,
    crypto: createX25519Crypto({ centralPrivateKey: createPrivateKey(config.centralPrivateKeyPem) }),
    boothKey: (boothId) => {
      let key = keys.get(boothId);
      if (!key && pems[boothId]) keys.set(boothId, (key = createPublicKey(pems[boothId])));
      return key;
    },
    ...(config.shareGroup ? { shareGroup: config.shareGroup } : {}),
    protocolVersion: config.mqttVersion,
    resumeAfterMs: 10_000,
    report: (report) => toParent({ type: 'receiver-event', ...report, at: Date.now() }),
  });
  await receiver.start();
  toParent({ type: 'ready' });
}

process.on('message', (message: ToReceiverHost) => {
  if (message.type === 'start') start(message.config).catch((error: unknown) => toParent({ type: 'failed', message: (error as Error).message }));
  else if (message.type === 'stop') {
    void (receiver?.stop() ?? Promise.resolve()).finally(() => {
      toParent({ type: 'stopped' });
      process.disconnect();
    });
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
