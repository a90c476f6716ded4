// The kiosk screen: keeps the latest snapshot, prompt and verdict from the booth-kiosk/1
// socket and redraws the screen from them; taps become person actions. Nothing is decided
// here: the booth says what state it is in and which actions it accepts.
import { KioskConnection, kioskUrl } from './connection.js';
import { Catalogs, FALLBACK_LANGUAGE } from './i18n.js';
import { h, t } from './dom.js';
import { SCREENS, defaultPromptKey } from './screens.js';
import { footerButtons, progressBar } from './chrome.js';
import { PreviewView } from './preview.js';
import { markSeen } from './hand.js';

/** At most one "touch" (inactivity timer reset) per this many milliseconds. */
const TOUCH_EVERY_MS = 5000;
/** Buttons stay disabled after a tap until the booth answers, or this long at most. */
const BUSY_LIMIT_MS = 4000;
/** Prompts said elsewhere on the screen (problem list, attempt counter) or as an overlay. */
const NOT_AN_INSTRUCTION = /^(problem\.|attempt\.|inactivity\.)/;
const STILL_THERE = 'inactivity.still-there';

const PREVIEW_SOURCE = { fingerprints: 'fingerprint', palms: 'fingerprint', face: 'camera' };
const TARGET_KIND = { fingerprints: 'slap', palms: 'palm', face: 'face' };

function targetKey(target) {
  if (!target || typeof target !== 'object') return '';
  return [target.kind, target.slap ?? target.palm ?? ''].join(':');
}

function samePrompt(a, b) {
  return a.key === b.key && JSON.stringify(a.params ?? {}) === JSON.stringify(b.params ?? {});
}

function validSnapshot(snapshot) {
  if (!snapshot || typeof snapshot !== 'object' || typeof snapshot.state !== 'string') return undefined;
  return {
    ...snapshot,
    steps: Array.isArray(snapshot.steps) ? snapshot.steps : [],
    allowedActions: Array.isArray(snapshot.allowedActions) ? snapshot.allowedActions : [],
    missingFingers: Array.isArray(snapshot.missingFingers) ? snapshot.missingFingers : [],
  };
}

/**
 * Whether a freshly drawn screen looks exactly like the one shown (the live preview picture
 * aside): then the shown one stays, so a redraw never swaps a button out under a finger.
 */
function sameScreen(shown, fresh) {
  if (!shown) return false;
  const copy = shown.cloneNode(true);
  for (const img of copy.querySelectorAll('.preview-image')) img.remove();
  return copy.isEqualNode(fresh);
}

/** Puts `fresh` (or nothing) into a frame part unless it already shows the same. */
function swap(container, fresh) {
  container.hidden = !fresh;
  if (!fresh) {
    container.replaceChildren();
    return;
  }
  if (!container.firstElementChild?.isEqualNode(fresh)) container.replaceChildren(fresh);
}

class KioskApp {
  constructor(doc, location) {
    this.doc = doc;
    this.el = {
      screen: doc.getElementById('screen'),
      top: doc.getElementById('top'),
      bottom: doc.getElementById('bottom'),
      connecting: doc.getElementById('connecting'),
      stillThere: doc.getElementById('still-there'),
    };
    this.catalogs = new Catalogs();
    this.preview = new PreviewView();
    /** `?lang=xx` picks the language of the screens before a person chooses one. */
    const query = new URLSearchParams(location.search);
    this.defaultLanguage = query.get('lang') ?? undefined;
    // boothd speaks the prompts through the booth's speaker (audio.output); the page plays them
    // only when the kiosk is set up to be the speaker instead (?voice=browser), never both.
    this.browserVoice = query.get('voice') === 'browser';
    this.languages = [];
    this.snapshot = undefined;
    /** The latest prompt message, and whether it came after the latest snapshot. */
    this.prompt = undefined;
    this.promptFresh = false;
    this.quality = undefined;
    this.seen = new Set();
    this.diagram = undefined;
    /** Screen-local state (e.g. fingers being marked), dropped when the screen changes. */
    this.local = {};
    this.screenKey = '';
    this.busy = undefined;
    this.lastTouch = -Infinity;
    this.renderGeneration = 0;
    this.voice = undefined;
    this.connection = new KioskConnection({
      url: kioskUrl(location),
      onMessage: (message) => this.onMessage(message),
      onStatus: (status) => this.onStatus(status),
      log: (line) => console.warn(`kiosk: ${line}`),
    });
  }

  start() {
    this.doc.addEventListener('pointerdown', () => this.onTouch(), { capture: true, passive: true });
    this.doc.addEventListener('contextmenu', (event) => event.preventDefault());
    this.render();
    this.connection.start();
  }

  /** The language the screen is in: the session's, else the booth's default, else the first offered. */
  language() {
    return this.snapshot?.language ?? this.defaultLanguage ?? this.languages[0]?.code ?? FALLBACK_LANGUAGE;
  }

  allowed(action) {
    return Boolean(this.snapshot?.allowedActions.includes(action));
  }

  onStatus(status) {
    this.doc.body.dataset.connection = status;
    this.el.connecting.hidden = status === 'open';
    if (status !== 'open') this.clearBusy();
  }

  onMessage(message) {
    switch (message.type) {
      case 'hello':
        this.languages = Array.isArray(message.languages)
          ? message.languages.filter((l) => l && typeof l.code === 'string' && typeof l.name === 'string')
          : [];
        this.doc.body.dataset.booth = String(message.boothId ?? '');
        this.setSnapshot(message.snapshot);
        // Every catalogue, for the screens shown before a language is chosen (idle, out of service).
        Promise.all(this.languages.map(({ code }) => this.catalogs.load(code))).then(() => {
          if (!this.snapshot?.language) this.render();
        });
        break;
      case 'state':
        this.setSnapshot(message.snapshot);
        break;
      case 'prompt':
        if (typeof message.key !== 'string') return;
        this.prompt = message;
        this.promptFresh = true;
        this.playVoice(message.audio);
        this.setStillThere(message.key === STILL_THERE);
        this.render();
        break;
      case 'preview':
        this.onPreview(message);
        break;
      case 'quality':
        this.quality = message;
        this.render();
        break;
      case 'ended':
        this.doc.body.dataset.outcome = String(message.outcome ?? '');
        this.quality = undefined;
        this.preview.clear();
        break;
      case 'ack':
      case 'error':
        if (message.type === 'error') console.warn(`kiosk: booth refused ${message.id ?? ''}: ${message.code} ${message.message ?? ''}`);
        if (this.busy && message.id === this.busy.id) {
          this.clearBusy();
          this.render();
        }
        break;
      default:
        break;
    }
  }

  setSnapshot(raw) {
    const snapshot = validSnapshot(raw);
    if (!snapshot) return;
    this.snapshot = snapshot;
    this.promptFresh = false;
    this.setStillThere(false);
    this.clearBusy();
    this.render();
  }

  onPreview(frame) {
    const wanted = PREVIEW_SOURCE[this.snapshot?.state];
    if (!wanted || frame.source !== wanted) return;
    const wasLive = this.preview.source === wanted;
    if (!this.preview.show(frame)) return;
    this.seen = new Set(Array.isArray(frame.fingers) ? frame.fingers.map((f) => f.position) : []);
    if (!wasLive) this.render();
    else markSeen(this.diagram, this.seen);
  }

  onTouch() {
    // An answer to "are you still there?" always goes out, throttle or not.
    const answering = !this.el.stillThere.hidden;
    this.setStillThere(false);
    const now = Date.now();
    if ((!answering && now - this.lastTouch < TOUCH_EVERY_MS) || !this.allowed('touch')) return;
    if (this.connection.sendAction('touch')) this.lastTouch = now;
  }

  act(action, extra = {}) {
    if (this.busy || !this.allowed(action)) return;
    const id = this.connection.sendAction(action, extra);
    if (!id) return;
    const timer = setTimeout(() => {
      this.busy = undefined;
      this.render();
    }, BUSY_LIMIT_MS);
    this.busy = { id, timer };
    this.render();
  }

  clearBusy() {
    if (!this.busy) return;
    clearTimeout(this.busy.timer);
    this.busy = undefined;
  }

  /** Plays the prompt's recording (served under /voice/), cutting off the one before. */
  playVoice(path) {
    if (!this.browserVoice || typeof path !== 'string' || !path.startsWith('/voice/')) return;
    this.voice ??= new Audio();
    this.voice.pause();
    this.voice.src = path;
    // Refused until the first tap when the browser's autoplay policy is strict; the text is on screen anyway.
    this.voice.play().catch(() => undefined);
  }

  setStillThere(show) {
    const el = this.el.stillThere;
    if (!show) {
      el.hidden = true;
      return;
    }
    const msg = this.prompt?.text && this.prompt.text !== STILL_THERE
      ? { text: this.prompt.text, lang: this.prompt.language ?? this.language() }
      : this.catalogs.translator(this.language()).t(STILL_THERE);
    el.replaceChildren(t('p', msg));
    el.hidden = false;
  }

  /** The verdict of the last attempt, if it is about what the screen now captures. */
  currentQuality() {
    const q = this.quality;
    const snap = this.snapshot;
    if (!q || !snap || !q.target || q.target.kind !== TARGET_KIND[snap.state]) return undefined;
    if (snap.target && targetKey(snap.target) !== targetKey(q.target)) return undefined;
    return q;
  }

  /**
   * The screen's instruction: a prompt that came after the latest snapshot, else the snapshot's
   * prompt, else the state's own message. The server's rendered text is used when it has one
   * (it sends the key as text when it could not render it: then our catalogue is asked).
   */
  instruction(translator) {
    const snap = this.snapshot;
    const prompt = this.prompt;
    const rendered = (p) => (typeof p.text === 'string' && p.text !== '' && p.text !== p.key ? { text: p.text, lang: p.language ?? translator.lang } : undefined);
    if (prompt && this.promptFresh && !NOT_AN_INSTRUCTION.test(prompt.key)) {
      return rendered(prompt) ?? translator.t(prompt.key, prompt.params);
    }
    if (snap.prompt && typeof snap.prompt.key === 'string' && !NOT_AN_INSTRUCTION.test(snap.prompt.key)) {
      return (prompt && samePrompt(snap.prompt, prompt) && rendered(prompt)) || translator.t(snap.prompt.key, snap.prompt.params);
    }
    return translator.t(defaultPromptKey(snap));
  }

  /** The same message in the other languages, only while no language has been chosen. */
  others(key, lang) {
    if (this.snapshot?.language) return [];
    const own = this.catalogs.translator(lang).t(key).text;
    const seen = new Set([own]);
    const lines = [];
    for (const { code } of this.languages) {
      if (code === lang || !this.catalogs.has(code, key)) continue;
      const text = this.catalogs.translator(code).t(key).text;
      if (seen.has(text)) continue;
      seen.add(text);
      lines.push({ text, lang: code });
    }
    return lines;
  }

  /** Redraws once the catalogues of the screen language (and English) are in. */
  async render() {
    const generation = ++this.renderGeneration;
    const lang = this.language();
    await Promise.all([this.catalogs.load(FALLBACK_LANGUAGE), this.catalogs.load(lang)]);
    if (generation !== this.renderGeneration) return;
    this.draw(lang);
  }

  draw(lang) {
    const doc = this.doc;
    doc.documentElement.lang = lang;
    const translator = this.catalogs.translator(lang);
    const connectingText = this.el.connecting.querySelector('[data-role="text"]');
    connectingText.replaceWith(t('p', translator.t('precheck.wait'), { 'data-role': 'text' }));
    const snap = this.snapshot;
    if (!snap) return;

    const key = `${snap.sessionId ?? ''}|${snap.state}|${targetKey(snap.target)}`;
    if (key !== this.screenKey) {
      this.screenKey = key;
      this.local = {};
      this.preview.clear();
      this.seen = new Set();
    }
    doc.body.dataset.state = snap.state;

    const ctx = {
      snapshot: snap,
      languages: this.languages,
      local: this.local,
      preview: this.preview,
      quality: this.currentQuality(),
      busy: Boolean(this.busy),
      diagram: undefined,
      t: (k, params) => translator.t(k, params),
      allowed: (action) => this.allowed(action),
      act: (action, extra) => this.act(action, extra),
      instruction: () => this.instruction(translator),
      others: (k) => this.others(k, lang),
      rerender: () => this.render(),
    };
    const screen = SCREENS[snap.state] ?? SCREENS.precheck;
    const root = h(
      'section',
      { class: `screen-root state-${snap.state}`, testid: `state-${snap.state}`, dataset: { target: targetKey(snap.target) } },
      screen(ctx),
    );

    markSeen(ctx.diagram, this.seen);
    if (!sameScreen(this.el.screen.firstElementChild, root)) {
      const scrolls = new Map([...this.el.screen.querySelectorAll('[data-keep-scroll]')].map((el) => [el.dataset.keepScroll, el.scrollTop]));
      this.el.screen.replaceChildren(root);
      for (const el of root.querySelectorAll('[data-keep-scroll]')) {
        const top = scrolls.get(el.dataset.keepScroll);
        if (top) el.scrollTop = top;
      }
      root.querySelector('[data-preview-slot]')?.prepend(this.preview.img);
      this.diagram = ctx.diagram;
    }

    const progress = progressBar(ctx);
    swap(this.el.top, progress);
    const footer = footerButtons(ctx);
    swap(this.el.bottom, footer);
  }
}

new KioskApp(document, window.location).start();
