/**
 * The enrolment session as the outside sees it: its states, what the person can do in each, and
 * what it tells the screen and the speaker. The orchestrator (session-orchestrator.ts) produces
 * these; the kiosk API (runtime/kiosk/) carries them to the touchscreen as JSON, and the voice
 * player speaks the prompts. Nothing here holds biometric bytes except preview frames, which are
 * downscaled, shown once and never stored.
 *
 * Versioned with the kiosk protocol (docs/kiosk-api.md): add fields and values, never rename.
 */

/** Interface languages, in the order the language picker shows them. */
export const LANGUAGES = ['ru', 'uk', 'tg', 'uz', 'ro', 'en', 'fr', 'de', 'ky', 'kk', 'zh', 'tr', 'ka'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Session states. Every state but `idle` and `out-of-service` has a timeout and an abort path.
 * - `idle`: nobody in the booth; waits for occupancy or the start button.
 * - `precheck`: checks every device the session needs; else `out-of-service`.
 * - `out-of-service`: a device is missing or faulty; the screen sends people to the desk, the
 *   door is unlocked, a Sparkplug alarm is raised; re-checked until healthy.
 * - `language` … `review`: the steps of one enrolment.
 * - `committing`: the package is sealed and made durable in the outbox.
 * - `goodbye`: done, door unlocked, waiting for the person to leave.
 * - `refused`: consent declined; nothing kept; waiting for the person to leave.
 * - `escalated`: an officer is needed; door unlocked; the session is kept for the officer.
 * - `fire-alarm`: evacuation; door unlocked; the session was discarded.
 */
export const SESSION_STATES = [
  'idle',
  'precheck',
  'out-of-service',
  'language',
  'consent',
  'document',
  'missing-fingers',
  'fingerprints',
  'palms',
  'face',
  'signature',
  'review',
  'committing',
  'goodbye',
  'refused',
  'escalated',
  'fire-alarm',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** The steps shown in the progress bar, in order (those the manifest switched off are left out). */
export const SESSION_STEPS = ['language', 'consent', 'document', 'missing-fingers', 'fingerprints', 'palms', 'face', 'signature', 'review'] as const;
export type SessionStep = (typeof SESSION_STEPS)[number];

export type MissingFingerReason = 'amputated' | 'bandaged' | 'unable-to-print';

/** What the person does on the touchscreen (or the pad). Each is allowed in some states only. */
export type PersonAction =
  | { action: 'start' }
  | { action: 'choose-language'; language: Language }
  | { action: 'accept-consent' }
  | { action: 'decline-consent' }
  /** Skip the document reader and continue without a document (when the manifest allows it). */
  | { action: 'skip-document' }
  /** An empty list declares that every finger can be printed. */
  | { action: 'declare-missing'; fingers: Array<{ position: number; reason: MissingFingerReason }> }
  /** Capture again (fingerprints, palms, face) after a failed attempt. */
  | { action: 'retry' }
  | { action: 'clear-signature' }
  /** Accept the review screen: the session is committed. */
  | { action: 'confirm' }
  /** Ask for an officer: the session escalates. */
  | { action: 'help' }
  /** Give up: the session ends, nothing kept. */
  | { action: 'cancel' }
  /** Any touch: resets the inactivity timer ("are you still there?"). */
  | { action: 'touch' };
export type PersonActionName = PersonAction['action'];

/** Which actions each state accepts; anything else is an out-of-order action. */
export const ALLOWED_ACTIONS: Record<SessionState, readonly PersonActionName[]> = {
  idle: ['start', 'touch'],
  precheck: ['touch'],
  'out-of-service': ['touch'],
  language: ['choose-language', 'help', 'cancel', 'touch'],
  consent: ['accept-consent', 'decline-consent', 'help', 'cancel', 'touch'],
  document: ['skip-document', 'help', 'cancel', 'touch'],
  'missing-fingers': ['declare-missing', 'help', 'cancel', 'touch'],
  fingerprints: ['retry', 'help', 'cancel', 'touch'],
  palms: ['retry', 'help', 'cancel', 'touch'],
  face: ['retry', 'help', 'cancel', 'touch'],
  signature: ['clear-signature', 'help', 'cancel', 'touch'],
  review: ['confirm', 'help', 'cancel', 'touch'],
  committing: ['touch'],
  goodbye: ['touch'],
  refused: ['touch'],
  escalated: ['touch'],
  'fire-alarm': ['touch'],
};

/**
 * A message for the person: a catalogue key (runtime/i18n/<lang>.json) with its placeholder
 * values, in the session's language. The kiosk renders the text; the voice player speaks it.
 */
export interface Prompt {
  key: string;
  params: Record<string, string | number>;
  language: Language;
}

/** What the capture in progress is aiming at, for the hand diagram. */
export type CaptureTarget =
  | { kind: 'slap'; slap: 'right-four' | 'left-four' | 'two-thumbs'; fingers: number[] }
  | { kind: 'palm'; palm: 'right-full' | 'left-full' | 'right-writer' | 'left-writer' }
  | { kind: 'face' }
  | { kind: 'signature' }
  | { kind: 'document' };

/** Why an attempt was not accepted. */
export type AttemptProblem =
  | 'low-quality'
  | 'wrong-hand'
  | 'finger-missing'
  | 'same-finger-twice'
  | 'not-live'
  | 'nothing-placed'
  | 'no-face'
  | 'eyes-closed'
  | 'pose'
  | 'exposure'
  | 'resolution'
  | 'unreadable';

/** The verdict on one capture attempt, for the screen. */
export interface QualityFeedback {
  target: CaptureTarget;
  attempt: number;
  maxAttempts: number;
  accepted: boolean;
  problems: AttemptProblem[];
  /** Per finger (slaps) or one entry with position 0 (palm, face): quality reached vs minimum. */
  fingers: Array<{ position: number; quality: number; minimum: number; ok: boolean }>;
}

/** A downscaled live frame for the screen; never stored, never logged. */
export interface PreviewFrame {
  source: 'fingerprint' | 'camera';
  mime: 'image/png' | 'image/jpeg';
  data: Uint8Array;
  /** Fingers seen on the platen with their instant quality (fingerprint only). */
  fingers?: Array<{ position: number; quality: number }>;
}

/** Everything the screen needs to draw the current state from scratch (after a reconnect too). */
export interface SessionSnapshot {
  state: SessionState;
  /** Present from `language` on; a UUIDv7, also the capture package id. */
  sessionId?: string;
  language?: Language;
  /** The steps of this booth's session, and where the person is. */
  steps: SessionStep[];
  stepIndex: number;
  target?: CaptureTarget;
  prompt?: Prompt;
  allowedActions: readonly PersonActionName[];
  door: 'released' | 'locking' | 'locked';
  /** Declared missing fingers (positions only). */
  missingFingers: number[];
  /** Seconds before the current state times out, when it does. */
  timeoutSeconds?: number;
  /** Why the booth is out of service or the session escalated; no personal data. */
  reason?: string;
}

export interface SessionEvents {
  /** The state or anything in the snapshot changed. */
  state: [snapshot: SessionSnapshot];
  prompt: [prompt: Prompt];
  preview: [frame: PreviewFrame];
  quality: [feedback: QualityFeedback];
  /** A session finished (any outcome); figures only, no personal data. */
  ended: [summary: SessionSummary];
}

export type SessionOutcome = 'completed' | 'escalated' | 'abandoned' | 'refused' | 'cancelled' | 'fire-alarm';

/** The session summary log line and the metrics it feeds. No personal data, no image bytes. */
export interface SessionSummary {
  sessionId: string;
  outcome: SessionOutcome;
  reason?: string;
  language?: Language;
  durationMs: number;
  /** Milliseconds spent in each step that was entered. */
  stepDurationsMs: Partial<Record<SessionStep, number>>;
  /** Attempts used per capture target, e.g. `right-four: 2`, `face: 1`. */
  attempts: Record<string, number>;
  /** Best quality reached per capture target (minimum over its fingers for slaps). */
  quality: Record<string, number>;
  missingFingers: number;
  /** Whether a package reached the outbox, and its id (equal to sessionId). */
  committed: boolean;
}

/** A refused person action: `code` says why, `message` says it in English for the log. */
export class SessionActionError extends Error {
  readonly code: 'EORDER' | 'EBADMSG';
  constructor(code: 'EORDER' | 'EBADMSG', message: string) {
    super(message);
    this.name = 'SessionActionError';
    this.code = code;
  }
}

/** What the kiosk API needs from the session (the orchestrator implements it; tests fake it). */
export interface SessionPort {
  snapshot(): SessionSnapshot;
  /** Applies a person action; throws SessionActionError for a refused one. */
  act(action: PersonAction): void;
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): unknown;
  off<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): unknown;
}
