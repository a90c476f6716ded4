/**
 * Redacts secrets from the booth manifest before `boothctl bundle` copies it into a support archive
 * that leaves the site. Works on the YAML Document (not parse + stringify) so the technician's
 * comments and layout survive; the comments themselves are scrubbed too, because a commented-out
 * `# password: ...` line is the classic leak. Paths to key files are configuration, not secrets,
 * and stay readable.
 */
import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, parseDocument, Scalar } from 'yaml';

const REDACTED = '<redacted>';
/** Key names that hold a secret value (passwd and privateKey go beyond the obvious list on purpose). */
const SECRET_KEY = /pass(word|phrase|wd)|secret|token|api[_-]?key|credential|private[_-]?key/i;
/** `passwordFile`, `tokenPath`, ...: these name where a secret lives, which a technician needs to see. */
const PATH_KEY = /(file|path|dir)$/i;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** scheme://user:password@ — the password runs to the last `@` of the authority, as URL parsers read it. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):([^\s/?#]+)@/gi;

type PathSegment = string | number;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !PATH_KEY.test(key);
}

function formatPath(path: readonly PathSegment[]): string {
  const text = path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`));
  return text.join('') || '(top level)';
}

/** Scrubs free text (a comment) with line-level rules, since it has no structure to walk. */
function redactText(text: string): string {
  if (PEM_PRIVATE_KEY.test(text)) return ` ${REDACTED}`;
  return text
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .split('\n')
    .map((line) =>
      line.replace(/^(\s*(?:-\s*)?["']?([\w.-]+)["']?\s*[:=]\s*)(\S.*)$/, (all, head: string, key: string) =>
        isSecretKey(key) ? `${head}${REDACTED}` : all,
      ),
    )
    .join('\n');
}

interface Commented {
  commentBefore?: string | null;
  comment?: string | null;
}

function redactComments(holder: Commented, path: readonly PathSegment[], redacted: string[]): void {
  let changed = false;
  for (const field of ['commentBefore', 'comment'] as const) {
    const text = holder[field];
    if (!text) continue;
    const clean = redactText(text);
    if (clean !== text) [holder[field], changed] = [clean, true];
  }
  if (changed) redacted.push(`${formatPath(path)} (comment)`);
}

/** Blanks every scalar under a secret key in place (so anchors keep pointing at the blanked node). */
function redactAll(node: unknown, path: readonly PathSegment[], redacted: string[]): { node: unknown; changed: boolean } {
  if (isAlias(node)) return { node: new Scalar(REDACTED), changed: true }; // its target may be non-secret
  if (isNode(node)) redactComments(node, path, redacted);
  if (isScalar(node)) {
    if (node.value === null || node.value === '') return { node, changed: false }; // nothing secret in "unset"
    node.value = REDACTED;
    node.type = Scalar.PLAIN;
    return { node, changed: true };
  }
  let changed = false;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isNode(pair.key)) redactComments(pair.key, path, redacted);
      const result = redactAll(pair.value, path, redacted);
      [pair.value, changed] = [result.node, changed || result.changed];
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const result = redactAll(item, path, redacted);
      [node.items[i], changed] = [result.node, changed || result.changed];
    });
  }
  return { node, changed };
}

function visit(node: unknown, path: readonly PathSegment[], redacted: string[]): void {
  if (!isNode(node) || isAlias(node)) return; // an alias's target is handled where it is defined
  redactComments(node, path, redacted);
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      const childPath = [...path, key];
      if (isNode(pair.key)) redactComments(pair.key, childPath, redacted);
      if (isSecretKey(key) && (isCollection(pair.value) || isScalar(pair.value) || isAlias(pair.value))) {
        const result = redactAll(pair.value, childPath, redacted);
        pair.value = result.node;
        if (result.changed) redacted.push(formatPath(childPath));
      } else {
        visit(pair.value, childPath, redacted);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => visit(item, [...path, i], redacted));
  } else if (isScalar(node) && typeof node.value === 'string') {
    if (PEM_PRIVATE_KEY.test(node.value)) {
      node.value = REDACTED;
      node.type = Scalar.PLAIN;
      redacted.push(`${formatPath(path)} (private key)`);
    } else {
      const clean = node.value.replace(URL_PASSWORD, `$1:${REDACTED}@`);
      if (clean !== node.value) {
        node.value = clean;
        redacted.push(`${formatPath(path)} (password)`);
      }
    }
  }
}

/**
 * Returns the manifest with secrets replaced by "<redacted>" and the paths that were redacted
 * (never the values). Throws, without quoting the input, when the text is not valid YAML.
 */
export function redactConfig(yamlText: string): { text: string; redacted: string[] } {
  const unparseable = (detail: string): Error =>
    new Error(`booth manifest could not be parsed as YAML (${detail}); it was left out of the bundle`);
  let document;
  try {
    document = parseDocument(yamlText, { uniqueKeys: true });
  } catch {
    throw unparseable('parser failure');
  }
  const [first] = document.errors;
  // Only the line and error code: the parser's message can quote the offending (possibly secret) text.
  if (first) throw unparseable(`line ${first.linePos?.[0].line ?? '?'}, ${first.code}`);
  const redacted: string[] = [];
  redactComments(document, [], redacted);
  visit(document.contents, [], redacted);
  // Untouched manifests go out byte for byte; otherwise keep long lines unfolded, as written.
  const text = redacted.length === 0 ? yamlText : document.toString({ lineWidth: 0 });
  return { text, redacted: [...new Set(redacted)] }; // several comments on one node give one entry
}
