/**
 * How a contract suite gets a device to test: a factory returning the device (closed) and the
 * hooks that play the hardware's side. For a simulator the hooks are the simulator's own test
 * hooks; for a real driver they are the wire-level simulator on the other end of its transport.
 */
import { after, before } from 'node:test';
import type { AnyDevice, DeviceErrorCode, IoOptions } from '../../hal/index.ts';

/** Hardware misbehaviour every implementation must let a test cause. */
export interface CommonHooks {
  /** Pull the cable / close the transport from the hardware side (a wire twin may resolve once it is out). */
  unplug(): void | Promise<void>;
  /** Plug it back in (the device is then re-opened by the caller, after a returned promise resolves). */
  replug(): void | Promise<void>;
  /** The next command gets no answer at all. */
  hangNextCommand(): void;
  /** The next command fails on the hardware side with this code. */
  failNextCommand(code: DeviceErrorCode): void;
}

export interface Harness<D extends AnyDevice, H> {
  device: D;
  hooks: CommonHooks & H;
  /** Stops whatever the harness started (PTYs, simulator processes, temp files). */
  cleanup(): Promise<void>;
}

export type HarnessFactory<D extends AnyDevice, H> = () => Promise<Harness<D, H>>;

/** A short command every device of the class answers promptly, used by the lifecycle suite. */
export type Probe<D extends AnyDevice> = (device: D, options?: IoOptions) => Promise<unknown>;

/**
 * Registers before/after hooks that build a harness and open its device for the enclosing
 * describe block, and close and clean up after it. Returns a getter for the harness.
 */
export function openedHarness<D extends AnyDevice, H>(factory: HarnessFactory<D, H>): () => Harness<D, H> {
  let harness: Harness<D, H> | undefined;
  before(async () => {
    harness = await factory();
    await harness.device.open({ timeoutMs: 5000 });
  });
  after(async () => {
    await harness?.device.close();
    await harness?.cleanup();
  });
  return () => {
    if (!harness) throw new Error('harness used outside its describe block');
    return harness;
  };
}
