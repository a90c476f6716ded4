/**
 * Headless Chromium for UI tests: Debian's `chromium` (never a downloaded browser) driven by
 * puppeteer-core. Each launch gets a fresh temporary profile that is removed on close; close
 * never hangs (bounded graceful close, then SIGKILL), and exit and signal hooks kill any browser
 * (and remove any profile) a failed or interrupted test left behind.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const LAUNCH_LIMIT_MS = 30_000;
const PROTOCOL_LIMIT_MS = 30_000;
const CLOSE_GRACE_MS = 5_000;

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((path): path is string => Boolean(path));
  return candidates.find((path) => existsSync(path));
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  /** The browser's PID (for diagnostics). */
  readonly pid: number | undefined;
  /** Closes the browser (killing it if it does not close in time) and removes its profile. Idempotent. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra Chromium switches. */
  args?: string[];
}

/**
 * SIGKILL to the browser and its helper processes: puppeteer starts Chromium detached, in a
 * process group of its own whose id is the browser's PID.
 */
function killTree(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Browsers not yet closed, with their profile folders, for the exit safety net. */
const live = new Map<LaunchedBrowser, string>();
let exitHookInstalled = false;

function killAllSync(): void {
  for (const [launched, profile] of live) {
    if (launched.pid !== undefined) killTree(launched.pid);
    removeProfile(profile);
  }
  live.clear();
}

/**
 * On exit, and on SIGINT/SIGTERM/SIGHUP (the browser runs in its own process group, so a Ctrl-C
 * in the terminal does not reach it), kills what is left; then lets the signal do what it would.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function removeProfile(dir: string): void {
  // Chromium may still be flushing into its profile for a moment after exit.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: install Debian\'s chromium (make debs) or set CHROMIUM_PATH');
  const userDataDir = mkdtempSync(join(tmpdir(), 'booth-ui-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      // headless: true is Chrome's new headless mode (puppeteer passes --headless=new).
      headless: true,
      userDataDir,
      timeout: LAUNCH_LIMIT_MS,
      protocolTimeout: PROTOCOL_LIMIT_MS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // Tests run as root, where Chromium refuses its sandbox.
      args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none', '--autoplay-policy=no-user-gesture-required', ...(options.args ?? [])],
    });
  } catch (error) {
    removeProfile(userDataDir);
    throw error;
  }
  const child = browser.process();
  let closing: Promise<void> | undefined;
  const launched: LaunchedBrowser = {
    browser,
    pid: child?.pid,
    close() {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            browser.close().catch(() => undefined),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, CLOSE_GRACE_MS);
            }),
          ]);
        } finally {
          clearTimeout(timer);
          if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            killTree(child.pid);
            await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
          }
          live.delete(launched);
          removeProfile(userDataDir);
        }
      })();
      return closing;
    },
  };
  live.set(launched, userDataDir);
  installExitHook();
  return launched;
}
