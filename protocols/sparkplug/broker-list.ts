/**
 * The brokers a booth may use (the manifest's `mqtt.url` or `mqtt.urls`), walked round robin:
 * the first reachable one is used until its connection fails or is lost, then the next one, and
 * after the last the first again. A booth never connects to two at once (Sparkplug 3.0 asks
 * that of an edge node) and never falls back to "its" first broker while the current one works.
 *
 * MQTT.js has a `servers` option that rotates on its own reconnects, but it keeps only host,
 * port and protocol per entry, its position is private, and the edge node makes a new client
 * for every session (each needs a new Will), which would always start at the first entry —
 * so the rotation is explicit here, shared by the edge node and the capture uploader.
 */
export class BrokerList {
  readonly urls: readonly string[];
  #index = 0;

  constructor(urls: string | readonly string[]) {
    const list = typeof urls === 'string' ? [urls] : [...urls];
    if (list.length === 0) throw new Error('no broker URL given');
    this.urls = list;
  }

  /** The broker to use now. */
  get current(): string {
    return this.urls[this.#index]!;
  }

  /** Moves on to the next broker (the same one when there is only one) and returns it. */
  advance(): string {
    this.#index = (this.#index + 1) % this.urls.length;
    return this.current;
  }
}

/** A broker URL fit for logs, status and telemetry: a password in it is replaced. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return url;
  }
}
