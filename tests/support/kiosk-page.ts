/**
 * Drives the kiosk web UI (kiosk/ui) in a browser page by its data-testid attributes, whatever
 * serves it: the UI tests' fake kiosk server or a real boothd. Every wait is bounded and says
 * what it was waiting for; page errors are collected for the test to assert on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import type { PageElement, PageGlobals } from './page-dom.ts';

const DEFAULT_LIMIT_MS = 5000;
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Where screenshots go: KIOSK_SCREENSHOTS_DIR, else test-artifacts/kiosk-ui/ (git-ignored). */
export function screenshotsDir(): string {
  return process.env.KIOSK_SCREENSHOTS_DIR || join(REPO, 'test-artifacts', 'kiosk-ui');
}

export const PORTRAIT = { width: 1080, height: 1920 } as const;
export const TABLET = { width: 768, height: 1024 } as const;

export interface Viewport {
  width: number;
  height: number;
}

const byTestId = (testid: string) => `[data-testid="${testid.replace(/["\\]/g, '\\$&')}"]`;

export class KioskPage {
  readonly page: Page;
  readonly viewport: Viewport;
  /**
   * Uncaught exceptions and console errors, except the expected ones: a catalogue that is not
   * there (404) and a refused socket handshake while the booth is down (the page reconnects).
   */
  readonly errors: string[] = [];

  private constructor(page: Page, viewport: Viewport) {
    this.page = page;
    this.viewport = viewport;
  }

  /** Opens `url` (the kiosk server's root, optionally with ?lang=) at the given screen size. */
  static async open(browser: Browser, url: string, viewport: Viewport = PORTRAIT, limitMs = 15_000): Promise<KioskPage> {
    const page = await browser.newPage();
    const kiosk = new KioskPage(page, viewport);
    page.setDefaultTimeout(limitMs);
    page.on('pageerror', (error) => kiosk.errors.push(`pageerror: ${(error as Error).message ?? String(error)}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (/Failed to load resource: the server responded with a status of 404/.test(text)) return;
      if (/^WebSocket connection to '.*' failed/.test(text)) return;
      kiosk.errors.push(`console: ${text}`);
    });
    await page.setViewport({ width: viewport.width, height: viewport.height, deviceScaleFactor: 1, hasTouch: true, isMobile: false });
    await page.goto(url, { waitUntil: 'load', timeout: limitMs });
    return kiosk;
  }

  /**
   * Waits until the screen of `state` is shown (its root is visible and the socket is up);
   * `target` (e.g. "slap:left-four", "palm:right-full") also waits for that capture target.
   */
  async waitForState(state: string, options: { target?: string; limitMs?: number } = {}): Promise<void> {
    const limitMs = options.limitMs ?? DEFAULT_LIMIT_MS;
    try {
      await this.page.waitForFunction(
        (selector: string, target: string | null) => {
          const { document } = globalThis as unknown as PageGlobals;
          const root = document.querySelector(selector);
          if (!root || root.offsetParent === null || document.body.dataset.connection !== 'open') return false;
          return target === null || root.dataset.target === target;
        },
        { timeout: limitMs, polling: 25 },
        byTestId(`state-${state}`),
        options.target ?? null,
      );
    } catch (error) {
      const shown = await this.currentState().catch(() => 'unknown');
      const what = options.target ? `state "${state}" (${options.target})` : `state "${state}"`;
      throw new Error(`timed out after ${limitMs} ms waiting for ${what} (screen shows "${shown}")`, { cause: error });
    }
  }

  /** The state whose screen is shown, from its root's testid. */
  async currentState(): Promise<string | undefined> {
    return this.page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return document.querySelector('[data-testid^="state-"]')?.getAttribute('data-testid')?.slice('state-'.length);
    });
  }

  /** Waits for a visible element with this testid. */
  async waitForTestId(testid: string, limitMs = DEFAULT_LIMIT_MS): Promise<ElementHandle> {
    const handle = await this.page.waitForSelector(byTestId(testid), { visible: true, timeout: limitMs }).catch((error: unknown) => {
      throw new Error(`timed out after ${limitMs} ms waiting for [data-testid="${testid}"] to be visible`, { cause: error });
    });
    if (!handle) throw new Error(`no element [data-testid="${testid}"]`);
    return handle;
  }

  /** Waits until no visible element has this testid. */
  async waitForGone(testid: string, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.page.waitForSelector(byTestId(testid), { hidden: true, timeout: limitMs }).catch((error: unknown) => {
      throw new Error(`timed out after ${limitMs} ms waiting for [data-testid="${testid}"] to go away`, { cause: error });
    });
  }

  /**
   * Taps (clicks the centre of) a visible, enabled element by testid. A screen redrawn between
   * finding the element and clicking it is retried with the new element.
   */
  async tap(testid: string, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const handle = await this.waitForTestId(testid, limitMs);
      try {
        await this.page
          .waitForFunction((el: PageElement) => !el.isConnected || !el.disabled, { timeout: limitMs, polling: 25 }, handle)
          .catch((error: unknown) => {
            throw new Error(`[data-testid="${testid}"] stayed disabled for ${limitMs} ms`, { cause: error });
          });
        await handle.click();
        return;
      } catch (error) {
        if (attempt >= 3 || !/detached|not connected/i.test(String((error as Error).message))) throw error;
      } finally {
        await handle.dispose().catch(() => undefined);
      }
    }
  }

  /** Taps the screen at a point (somewhere without a button), e.g. to reset the inactivity timer. */
  async tapAt(x: number, y: number): Promise<void> {
    await this.page.mouse.click(x, y);
  }

  /** Whether a visible element has this testid. */
  async visible(testid: string): Promise<boolean> {
    return this.page.evaluate((selector: string) => {
      const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
      const el = document.querySelector(selector);
      if (!el) return false;
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    }, byTestId(testid));
  }

  /** The visible text of an element by testid (trimmed). */
  async text(testid: string, limitMs = DEFAULT_LIMIT_MS): Promise<string> {
    const handle = await this.waitForTestId(testid, limitMs);
    const text = await handle.evaluate((el) => (el as unknown as PageElement).innerText.trim());
    await handle.dispose();
    return text;
  }

  async attribute(testid: string, name: string): Promise<string | null> {
    return this.page.evaluate(
      (selector: string, attr: string) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.querySelector(selector)?.getAttribute(attr) ?? null;
      },
      byTestId(testid),
      name,
    );
  }

  /** Waits until the element with this testid has `attr` equal to `value` (null = absent). */
  async waitForAttribute(testid: string, attr: string, value: string | null, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.waitUntil(
      `[data-testid="${testid}"] to have ${attr}=${JSON.stringify(value)}`,
      (selector: string, name: string, expected: string | null) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.querySelector(selector)?.getAttribute(name) === expected;
      },
      limitMs,
      byTestId(testid),
      attr,
      value,
    );
  }

  /** The class list of the element with this testid (SVG elements included). */
  async classes(testid: string): Promise<string[]> {
    return this.page.evaluate((selector: string) => {
      const { document } = globalThis as unknown as PageGlobals;
      return [...(document.querySelector(selector)?.classList ?? [])];
    }, byTestId(testid));
  }

  /** Waits until the element with this testid has (or, with `present` false, lacks) a class. */
  async waitForClass(testid: string, className: string, present = true, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.waitUntil(
      `[data-testid="${testid}"] to ${present ? 'have' : 'lose'} class "${className}"`,
      (selector: string, name: string, wanted: boolean) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.querySelector(selector)?.classList.contains(name) === wanted;
      },
      limitMs,
      byTestId(testid),
      className,
      present,
    );
  }

  /** Testids of the visible elements whose testid starts with `prefix`, in document order. */
  async visibleTestIds(prefix: string): Promise<string[]> {
    return this.page.evaluate((start: string) => {
      const { document } = globalThis as unknown as PageGlobals;
      return [...document.querySelectorAll('[data-testid]')]
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        })
        .map((el) => el.getAttribute('data-testid') ?? '')
        .filter((id) => id.startsWith(start));
    }, prefix);
  }

  /** `<html lang>`. */
  async htmlLang(): Promise<string> {
    return this.page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return document.documentElement.lang;
    });
  }

  /** Waits until `<html lang>` is `lang`. */
  async waitForLang(lang: string, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.waitUntil(
      `<html lang="${lang}">`,
      (code: string) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.documentElement.lang === code;
      },
      limitMs,
      lang,
    );
  }

  /** Waits for an arbitrary condition evaluated in the page. */
  async waitUntil<A extends unknown[]>(what: string, condition: (...args: A) => boolean, limitMs = DEFAULT_LIMIT_MS, ...args: A): Promise<void> {
    await this.page.waitForFunction(condition as (...a: unknown[]) => boolean, { timeout: limitMs, polling: 25 }, ...args).catch((error: unknown) => {
      throw new Error(`timed out after ${limitMs} ms waiting for ${what}`, { cause: error });
    });
  }

  /** Waits until the element with this testid has exactly this text content. */
  async waitForText(testid: string, text: string, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.waitUntil(
      `[data-testid="${testid}"] to say ${JSON.stringify(text)}`,
      (selector: string, wanted: string) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.querySelector(selector)?.textContent === wanted;
      },
      limitMs,
      byTestId(testid),
      text,
    );
  }

  /** Waits until the image with this testid has loaded a picture. */
  async waitForImage(testid: string, limitMs = DEFAULT_LIMIT_MS): Promise<void> {
    await this.waitUntil(
      `[data-testid="${testid}"] to show a decoded picture`,
      (selector: string) => {
        const { document } = globalThis as unknown as PageGlobals;
        const img = document.querySelector(selector);
        return Boolean(img?.complete && (img.naturalWidth ?? 0) > 0);
      },
      limitMs,
      byTestId(testid),
    );
  }

  /** A computed style property of the element with this testid, or of `body`. */
  async computedStyle(testid: string | 'body', property: 'backgroundColor' | 'visibility'): Promise<string> {
    return this.page.evaluate(
      (selector: string, prop: 'backgroundColor' | 'visibility') => {
        const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
        const el = document.querySelector(selector);
        return el ? getComputedStyle(el)[prop] : '';
      },
      testid === 'body' ? 'body' : byTestId(testid),
      property,
    );
  }

  /** Whether each URL still loads as an image in the page (e.g. a blob: URL not yet revoked). */
  async imagesLoad(urls: string[]): Promise<boolean[]> {
    return this.page.evaluate(async (list: string[]) => {
      const { Image } = globalThis as unknown as PageGlobals;
      const loads = (url: string) =>
        new Promise<boolean>((resolve) => {
          const img = new Image();
          img.onload = () => resolve(true);
          img.onerror = () => resolve(false);
          img.src = url;
        });
      const results: boolean[] = [];
      for (const url of list) results.push(await loads(url));
      return results;
    }, urls);
  }

  /**
   * What is wrong with the layout of the screen shown now, as readable lines (empty = fine):
   * a page wider than the screen, buttons lower than `minButtonPx`, outside the screen, covered
   * at their centre by something else, or with text that does not fit, and testid'd elements
   * cut off at the bottom of the screen area.
   */
  async layoutProblems(minButtonPx = 64): Promise<string[]> {
    return this.page.evaluate((minHeight: number) => {
      const { document, innerWidth: width, innerHeight: height, HTMLElement } = globalThis as unknown as PageGlobals;
      const problems: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > width + 1) problems.push(`the page is ${root.scrollWidth}px wide on a ${width}px screen`);
      const name = (el: PageElement) => el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`;
      for (const el of document.querySelectorAll('button, [role="button"]')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const id = name(el);
        if (el instanceof HTMLElement && box.height < minHeight - 0.5) problems.push(`${id} is ${box.height.toFixed(0)}px high`);
        if (box.left < -0.5 || box.top < -0.5 || box.right > width + 0.5 || box.bottom > height + 0.5) problems.push(`${id} is (partly) outside the screen`);
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        if (!hit || !(hit === el || el.contains(hit))) problems.push(`${id} is covered at its centre by ${hit ? name(hit) : 'nothing'}`);
        if (el instanceof HTMLElement && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) problems.push(`the text of ${id} does not fit`);
      }
      const area = document.getElementById('screen')?.getBoundingClientRect();
      if (area) {
        for (const el of document.querySelectorAll('#screen [data-testid]')) {
          const box = el.getBoundingClientRect();
          if (box.width === 0 || box.height === 0) continue;
          if (box.bottom > area.bottom + 1 || box.right > area.right + 1 || box.top < area.top - 1 || box.left < area.left - 1) {
            problems.push(`${name(el)} is cut off by the screen area`);
          }
        }
      }
      return problems;
    }, minButtonPx);
  }

  /**
   * Saves a PNG of the whole screen as <screenshotsDir>/<folder>/<name>.png (the folder is
   * <width>x<height> unless given), after animations have been paused on a fixed frame; returns
   * the file path.
   */
  async screenshot(name: string, folder = `${this.viewport.width}x${this.viewport.height}`): Promise<string> {
    const dir = join(screenshotsDir(), folder);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.png`);
    await this.page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      for (const animation of document.getAnimations()) {
        animation.pause();
        animation.currentTime = 0;
      }
    });
    const png = await this.page.screenshot({ type: 'png', captureBeyondViewport: false });
    writeFileSync(file, png);
    await this.page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      for (const animation of document.getAnimations()) animation.play();
    });
    return file;
  }

  async close(): Promise<void> {
    await this.page.close().catch(() => undefined);
  }
}
