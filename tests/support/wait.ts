/** Bounded waits for tests: every wait has a limit and says what it was waiting for. */
import type { EventEmitter } from 'node:events';

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, limitMs = 5000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function nextEvent<T extends unknown[]>(emitter: EventEmitter, event: string, limitMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${limitMs} ms waiting for "${event}"`));
    }, limitMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });
}
