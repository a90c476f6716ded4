// The hand diagram: both hands palm down, as the person puts them on the glass (left hand on
// the left, thumbs towards the middle). Finger positions follow ANSI/NIST: 1-5 right thumb to
// little finger, 6-10 left thumb to little finger. Drawn as inline SVG so it scales to any screen.
import { s } from './dom.js';

const HAND_WIDTH = 500;
const HEIGHT = 530;

/**
 * The right hand in its own 500-wide box: each finger is a rounded bar standing on its base
 * point, turned by `angle` degrees (clockwise positive, as SVG rotates); its lowest `hidden`
 * units are under the palm.
 */
const RIGHT_FINGERS = [
  { position: 1, cx: 192, base: 440, width: 74, length: 236, hidden: 62, angle: -52 },
  { position: 2, cx: 178, base: 300, width: 64, length: 240, hidden: 46, angle: -7 },
  { position: 3, cx: 246, base: 292, width: 66, length: 272, hidden: 38, angle: -1 },
  { position: 4, cx: 314, base: 296, width: 64, length: 248, hidden: 38, angle: 5 },
  { position: 5, cx: 380, base: 312, width: 56, length: 190, hidden: 46, angle: 12 },
];
/** Drawn over the finger bases, so each finger shows from its knuckle line up. */
const RIGHT_PALM = 'M142 292 C142 262 160 252 184 252 L392 258 C414 260 426 274 424 296 L414 440 C408 496 368 516 320 518 L226 518 C180 516 154 494 146 448 Z';
/** The little-finger edge of the hand: what a writer's palm print takes. */
const RIGHT_EDGE = { x1: 424, y1: 306, x2: 408, y2: 480 };

/** Half the gap between the two hands, in diagram units. */
const GAP = 14;

const placeX = (x, hand) => (hand === 'left' ? HAND_WIDTH - GAP - x : HAND_WIDTH + GAP + x);

function placePath(path, hand) {
  // Paths above use absolute commands with x,y pairs only, so every even number is an x.
  let index = 0;
  return path.replace(/-?\d+(\.\d+)?/g, (num) => {
    const value = Number(num);
    return String(index++ % 2 === 0 ? placeX(value, hand) : value);
  });
}

/** Finger geometry in diagram coordinates, for either hand. */
export function fingerGeometry(position) {
  const hand = position <= 5 ? 'right' : 'left';
  const spec = RIGHT_FINGERS[(position - 1) % 5];
  return {
    position,
    hand,
    cx: placeX(spec.cx, hand),
    base: spec.base,
    width: spec.width,
    length: spec.length,
    hidden: spec.hidden,
    angle: hand === 'left' ? -spec.angle : spec.angle,
  };
}

/** Where along a finger's axis a point `along` units from its base lies. */
function alongFinger(g, along) {
  const rad = (g.angle * Math.PI) / 180;
  return { x: g.cx + along * Math.sin(rad), y: g.base - along * Math.cos(rad) };
}

function badge(at, ok) {
  const mark = ok ? 'M-11 1 L-3 10 L12 -9' : 'M-9 -9 L9 9 M9 -9 L-9 9';
  return s(
    'g',
    { class: `badge ${ok ? 'badge-ok' : 'badge-bad'}`, transform: `translate(${at.x.toFixed(1)} ${at.y.toFixed(1)})`, 'aria-hidden': 'true' },
    s('circle', { r: 24 }),
    s('path', { d: mark }),
  );
}

/**
 * @param {object} options
 * @param {Set<number>} [options.targets] fingers the current capture wants
 * @param {{ hand: 'right' | 'left', writer: boolean }} [options.palm] palm the current capture wants
 * @param {Set<number>} [options.missing] declared (or being declared) missing fingers: crossed out
 * @param {Map<number, boolean>} [options.verdicts] position -> quality reached (0 = the palm)
 * @param {(position: number) => { text: string, lang: string }} options.name finger names
 * @param {(position: number) => void} [options.onFinger] makes fingers tappable
 */
export function handDiagram(options) {
  const targets = options.targets ?? new Set();
  const missing = options.missing ?? new Set();
  const verdicts = options.verdicts ?? new Map();
  const interactive = typeof options.onFinger === 'function';
  const root = s('svg', {
    viewBox: `0 0 ${HAND_WIDTH * 2} ${HEIGHT}`,
    class: `hand-diagram${interactive ? ' interactive' : ''}`,
    testid: 'hand-diagram',
    role: interactive ? 'group' : 'img',
    preserveAspectRatio: 'xMidYMid meet',
  });
  const badges = [];
  const fingers = [];
  const palms = [];

  for (let position = 1; position <= 10; position++) {
    const g = fingerGeometry(position);
    const classes = ['finger'];
    const palmFinger = options.palm && !options.palm.writer && options.palm.hand === g.hand && position % 5 !== 1;
    if (targets.has(position) || palmFinger) classes.push('target');
    if (missing.has(position)) classes.push('missing');
    if (verdicts.has(position) && !missing.has(position)) classes.push(verdicts.get(position) ? 'ok' : 'bad');
    else if (palmFinger && verdicts.has(0) && !missing.has(position)) classes.push(verdicts.get(0) ? 'ok' : 'bad');
    const left = g.cx - g.width / 2;
    const right = left + g.width;
    const top = g.base - g.length;
    const visible = g.length - g.hidden;
    const inset = g.width * 0.16;
    const y1 = top + visible * 0.14;
    const y2 = top + visible * 0.86;
    const cross = `M${left + inset} ${y1} L${right - inset} ${y2} M${right - inset} ${y1} L${left + inset} ${y2}`;
    const name = options.name(position);
    const attrs = {
      class: classes.join(' '),
      testid: `finger-${position}`,
      transform: `rotate(${g.angle} ${g.cx} ${g.base})`,
      dataset: { position },
    };
    if (interactive) {
      Object.assign(attrs, { role: 'button', tabindex: '0', 'aria-pressed': missing.has(position) ? 'true' : 'false', 'aria-label': name.text });
    }
    const finger = s(
      'g',
      attrs,
      // A wider invisible bar: the tap target reaches into the gaps between fingers.
      interactive ? s('rect', { class: 'hit', x: left - 6, y: top - 12, width: g.width + 12, height: visible + 12 }) : null,
      s('rect', { class: 'shape', x: left, y: top, width: g.width, height: g.length, rx: g.width / 2 }),
      s('path', { class: 'cross', d: cross }),
      s('title', { text: name.text }),
    );
    if (interactive) {
      finger.addEventListener('click', () => options.onFinger(position));
      finger.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') options.onFinger(position);
      });
    }
    fingers.push(finger);
    if (verdicts.has(position) && !missing.has(position)) badges.push(badge(alongFinger(g, g.length - g.width / 2 - 4), verdicts.get(position)));
  }

  // Palms go over the finger bases: the outline reads as one hand with a knuckle line.
  for (const hand of ['left', 'right']) {
    const palmTarget = options.palm?.hand === hand;
    const palmClasses = ['palm'];
    if (palmTarget && !options.palm.writer) palmClasses.push('target');
    if (palmTarget && verdicts.has(0)) palmClasses.push(verdicts.get(0) ? 'ok' : 'bad');
    palms.push(s('path', { d: placePath(RIGHT_PALM, hand), class: palmClasses.join(' '), testid: `palm-${hand}` }));
    if (palmTarget && options.palm.writer) {
      const e = RIGHT_EDGE;
      const edgeClasses = ['palm-edge', 'target'];
      if (verdicts.has(0)) edgeClasses.push(verdicts.get(0) ? 'ok' : 'bad');
      palms.push(
        s('line', { x1: placeX(e.x1, hand), y1: e.y1, x2: placeX(e.x2, hand), y2: e.y2, class: edgeClasses.join(' '), testid: `palm-edge-${hand}` }),
      );
    }
    if (palmTarget && verdicts.has(0)) badges.push(badge({ x: placeX(284, hand), y: 400 }, verdicts.get(0)));
  }
  root.append(...fingers, ...palms);
  root.append(...badges);
  return root;
}

/** Marks the fingers the live preview sees on the glass (called per frame, no redraw). */
export function markSeen(root, positions) {
  if (!root) return;
  for (const finger of root.querySelectorAll('.finger')) {
    finger.classList.toggle('seen', positions.has(Number(finger.dataset.position)));
  }
}
