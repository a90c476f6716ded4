/**
 * Which catalogue messages the booth also says aloud, and the utterances that makes: the voice
 * files scripts/generate-voice.ts renders at build time and the VoicePrompter plays at run time.
 *
 * Spoken: what asks the person to do something or tells them what happened (welcome, consent,
 * every instruction and problem, goodbye, escalation, fire alarm, "are you still there?").
 * Silent: button labels, step names, finger names and counters, which only make sense on the screen
 * next to what they label.
 *
 * A spoken message with a placeholder is rendered once per value in SPOKEN_VARIANTS, since text is
 * turned into sound at build time: "place 3 fingers" must be its own file. Leaving the number out
 * would break the grammar of most of the languages, whose noun agrees with the number.
 */

export const SPOKEN_KEYS = [
  'idle.welcome',
  'precheck.wait',
  'outOfService.title',
  'outOfService.body',
  'language.choose',
  'consent.text',
  'refused.goodbye',
  'cancelled.goodbye',
  'document.mrz',
  'document.ticket',
  'document.unreadable',
  'missing.title',
  'missing.some',
  'fingers.right-four',
  'fingers.left-four',
  'fingers.two-thumbs',
  'fingers.hold',
  'fingers.accepted',
  'palms.right-full',
  'palms.left-full',
  'palms.right-writer',
  'palms.left-writer',
  'palms.accepted',
  'problem.low-quality',
  'problem.wrong-hand',
  'problem.finger-missing',
  'problem.same-finger-twice',
  'problem.not-live',
  'problem.nothing-placed',
  'problem.no-face',
  'problem.eyes-closed',
  'problem.pose',
  'problem.exposure',
  'problem.resolution',
  'problem.unreadable',
  'face.look',
  'face.accepted',
  'signature.sign',
  'review.title',
  'committing.wait',
  'goodbye.done',
  'escalated.wait',
  'fireAlarm.leave',
  'inactivity.still-there',
] as const;
export type SpokenKey = (typeof SPOKEN_KEYS)[number];

export type UtteranceParams = Readonly<Record<string, string | number>>;

/**
 * The values rendered for each placeholder of a spoken message. `count` of a missing-fingers
 * problem is the fingers one slap still expects: 1 to 4 (fewer when some are declared missing).
 */
export const SPOKEN_VARIANTS: Readonly<Partial<Record<SpokenKey, Readonly<Record<string, readonly (string | number)[]>>>>> = {
  'problem.finger-missing': { count: [1, 2, 3, 4] },
};

/** One voice file's worth: a key and, for a message with placeholders, one set of values. */
export interface Utterance {
  /** The index key and file name: the message key, then `.name-value` per placeholder. */
  id: string;
  key: SpokenKey;
  params: UtteranceParams;
}

const SPOKEN = new Set<string>(SPOKEN_KEYS);

export function isSpokenKey(key: string): key is SpokenKey {
  return SPOKEN.has(key);
}

/**
 * The utterance a prompt maps to, or undefined when its key is not spoken. Only the params the
 * message is rendered with count; a value never rendered gives an id with no voice file.
 */
export function utteranceFor(key: string, params: UtteranceParams): Utterance | undefined {
  if (!isSpokenKey(key)) return undefined;
  const names = Object.keys(SPOKEN_VARIANTS[key] ?? {}).sort();
  const used: Record<string, string | number> = {};
  for (const name of names) {
    const value = params[name];
    if (value !== undefined) used[name] = value;
  }
  const suffix = names.map((name) => `.${name}-${used[name] === undefined ? '' : String(used[name])}`).join('');
  return { id: `${key}${suffix}`, key, params: used };
}

/** Every utterance the voice generator renders for one language. */
export function spokenUtterances(): Utterance[] {
  const utterances: Utterance[] = [];
  for (const key of SPOKEN_KEYS) {
    const variants = SPOKEN_VARIANTS[key];
    for (const params of variants ? combinations(variants) : [{}]) {
      utterances.push(utteranceFor(key, params) as Utterance);
    }
  }
  return utterances;
}

function combinations(variants: Readonly<Record<string, readonly (string | number)[]>>): Array<Record<string, string | number>> {
  let result: Array<Record<string, string | number>> = [{}];
  for (const [name, values] of Object.entries(variants)) {
    result = result.flatMap((partial) => values.map((value) => ({ ...partial, [name]: value })));
  }
  return result;
}
