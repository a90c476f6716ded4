/**
 * The few browser globals the page-side helpers use, typed here so the project's Node-only
 * tsconfig needs no DOM lib (which would let runtime code use `window` unnoticed). Type-only:
 * a function run in the page reads them with `const { document } = globalThis as unknown as PageGlobals`
 * (puppeteer sends the function's source; the types are gone by then).
 */
export interface PageRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

export interface PageElement {
  readonly tagName: string;
  readonly isConnected: boolean;
  readonly classList: Iterable<string> & { contains(name: string): boolean };
  readonly dataset: Record<string, string | undefined>;
  readonly offsetParent: PageElement | null;
  readonly textContent: string | null;
  readonly innerText: string;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  /** Buttons. */
  readonly disabled?: boolean;
  /** Images. */
  readonly naturalWidth?: number;
  readonly complete?: boolean;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): PageRect;
  contains(other: PageElement | null): boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

export interface PageDocument {
  readonly documentElement: PageElement & { lang: string };
  readonly body: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getElementById(id: string): PageElement | null;
  elementFromPoint(x: number, y: number): PageElement | null;
  getAnimations(): Array<{ pause(): void; play(): void; currentTime: number | null }>;
}

export interface PageImage {
  onload: (() => void) | null;
  onerror: (() => void) | null;
  src: string;
}

export interface PageGlobals {
  readonly document: PageDocument;
  readonly innerWidth: number;
  readonly innerHeight: number;
  getComputedStyle(element: PageElement): { visibility: string; backgroundColor: string };
  readonly HTMLElement: abstract new () => PageElement;
  readonly Image: new () => PageImage;
}
