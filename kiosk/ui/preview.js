// Live preview frames (fingerprint platen or face camera): base64 from the socket -> a blob: URL
// on one persistent <img>. Old URLs are revoked as soon as a newer frame is on screen, so a
// 10 fps preview does not pile up blobs; frames are never stored anywhere else.
import { h } from './dom.js';

const MIMES = new Set(['image/png', 'image/jpeg']);

function decodeBase64(data) {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export class PreviewView {
  constructor() {
    this.img = h('img', { class: 'preview-image', testid: 'preview', alt: '', draggable: 'false', hidden: true });
    this.source = undefined;
    /** blob: URLs not yet revoked, oldest first; the last one is the newest frame. */
    this.urls = [];
    this.frames = 0;
    this.img.addEventListener('load', () => this.revokeOlderThan(this.img.src));
    this.img.addEventListener('error', () => this.revokeOlderThan(this.img.src));
  }

  /** Shows a frame; returns false for one that cannot be shown (bad mime or base64). */
  show(frame) {
    if (!MIMES.has(frame.mime) || typeof frame.data !== 'string') return false;
    let bytes;
    try {
      bytes = decodeBase64(frame.data);
    } catch {
      return false;
    }
    const url = URL.createObjectURL(new Blob([bytes], { type: frame.mime }));
    this.urls.push(url);
    // A burst of frames faster than they decode: keep the shown one and the newest only.
    while (this.urls.length > 3) URL.revokeObjectURL(this.urls.shift());
    this.source = frame.source;
    this.frames += 1;
    this.img.dataset.source = frame.source;
    this.img.dataset.frames = String(this.frames);
    this.img.hidden = false;
    this.img.src = url;
    return true;
  }

  revokeOlderThan(url) {
    const index = this.urls.indexOf(url);
    if (index <= 0) return;
    for (const old of this.urls.splice(0, index)) URL.revokeObjectURL(old);
  }

  /** Forgets the picture (a new capture or another state): nothing of the last person stays. */
  clear() {
    for (const url of this.urls.splice(0)) URL.revokeObjectURL(url);
    this.source = undefined;
    this.img.removeAttribute('src');
    this.img.hidden = true;
    delete this.img.dataset.source;
  }
}
