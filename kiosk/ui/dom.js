// Tiny DOM builders for the kiosk screens: no framework, no innerHTML (nothing from the wire is
// ever parsed as markup).

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Sets attributes on an element. Special keys: `testid` (data-testid), `text` (textContent),
 * `class`, `on` ({ event: handler }), `dataset` ({ key: value }), `hidden`/`disabled` (booleans).
 * `undefined`, `null` and `false` values are skipped.
 */
function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'testid') el.setAttribute('data-testid', String(value));
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    else if (key === 'dataset') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** An HTML element: h('button', { class: 'primary', testid: 'action-start' }, 'Start'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, same conventions as h(). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/**
 * An element showing a translated message: `msg` is what a Translator returns ({ text, lang });
 * the element gets its own `lang` when the text is not in the page language (a fallback).
 */
export function t(tag, msg, attrs = {}, pageLang = document.documentElement.lang) {
  const el = h(tag, attrs);
  el.textContent = msg.text;
  if (msg.lang && msg.lang !== pageLang) el.lang = msg.lang;
  return el;
}
