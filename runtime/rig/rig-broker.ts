/**
 * The scenario's MQTT broker: Debian's mosquitto (MQTT 5) on an ephemeral 127.0.0.1 port, in the
 * scenario's work dir. It can go down and come back on the same port (a broker outage) and be
 * frozen with SIGSTOP (a network stall: TCP still connects, nothing moves). Started and stopped
 * by PID; the ChildRegistry kills it should the rig itself die.
 */
import type { ChildRegistry } from './child-registry.ts';
import { freePort, MosquittoProcess } from './mosquitto-process.ts';

export { freePort };

export class RigBroker {
  readonly #mosquitto: MosquittoProcess;

  private constructor(mosquitto: MosquittoProcess) {
    this.#mosquitto = mosquitto;
  }

  /** A broker on a free port in `dir`, listening when this resolves. */
  static async start(dir: string, registry: ChildRegistry): Promise<RigBroker> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const mosquitto = new MosquittoProcess({
        dir,
        port: await freePort(),
        config: [
          'connection_messages true',
          // Captures travel in chunks of up to 128 KiB; a template may raise maxChunkBytes.
          'max_packet_size 67108864',
        ],
        onSpawn: (child) => registry.track(child, 'mosquitto'),
      });
      try {
        await mosquitto.start();
        return new RigBroker(mosquitto);
      } catch (error) {
        lastError = error; // another process took the port between our probe and mosquitto's bind
        await mosquitto.stop();
      }
    }
    throw new Error(`${(lastError as Error).message}; mosquitto log in ${dir}`);
  }

  get port(): number {
    return this.#mosquitto.port;
  }

  get logFile(): string {
    return this.#mosquitto.logFile;
  }

  get url(): string {
    return this.#mosquitto.url;
  }

  get pid(): number | undefined {
    return this.#mosquitto.pid;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Starts mosquitto on this broker's port again, retrying while the old socket lingers. */
  async up(): Promise<void> {
    if (this.running) return;
    try {
      await this.#mosquitto.restart();
    } catch (error) {
      throw new Error(`${(error as Error).message}; mosquitto log: ${this.logFile}`);
    }
  }

  /** Kills the broker, keeping its port and files for `up()`: an outage, not a shutdown. */
  async down(): Promise<void> {
    await this.#mosquitto.stop();
  }

  /** SIGSTOP: connections stay open, nothing is answered. */
  freeze(): void {
    this.#mosquitto.freeze();
  }

  thaw(): void {
    this.#mosquitto.thaw();
  }

  async stop(): Promise<void> {
    await this.down();
  }
}
