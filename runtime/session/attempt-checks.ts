/**
 * Verdicts on one capture attempt, from what the device itself reported (the scanner's
 * segmentation, hand and liveness; the camera SDK's portrait checks). Pure functions: the
 * orchestrator decides what to do with a verdict, these only say what is wrong with it.
 */
import { SLAP_FINGERS, type FingerCapture, type FingerPosition, type PalmCapture, type Slap } from '../../hal/fingerprint.ts';
import type { Portrait } from '../../hal/camera.ts';
import type { AttemptProblem, QualityFeedback } from '../../protocols/kiosk/session-contract.ts';
import type { SessionConfig } from './session-config.ts';

export interface AttemptVerdict {
  accepted: boolean;
  problems: AttemptProblem[];
  fingers: QualityFeedback['fingers'];
  /**
   * For keeping the best of several attempts: attempts the person put the wrong fingers (or a
   * fake) on score below every attempt with the right ones, and among those, the higher the
   * weakest finger's margin over its minimum, the better.
   */
  score: number;
}

type FingerMinimums = SessionConfig['quality']['fingers'];

/** The minimum quality of a finger position: thumbs, index, middle, ring, little on each hand. */
export function fingerMinimum(position: number, minimums: FingerMinimums): number {
  const names = ['thumb', 'index', 'middle', 'ring', 'little'] as const;
  return minimums[names[(position - 1) % 5]!];
}

/** The fingers a slap must show once the declared missing ones are left out. */
export function expectedFingers(slap: Slap, missing: ReadonlySet<number>): FingerPosition[] {
  return SLAP_FINGERS[slap].filter((position) => !missing.has(position));
}

const SEQUENCE_PENALTY = 1000;

export function evaluateSlap(
  capture: FingerCapture,
  slap: Slap,
  missing: ReadonlySet<number>,
  quality: SessionConfig['quality'],
): AttemptVerdict {
  const expected = expectedFingers(slap, missing);
  const seen = capture.fingers.map((finger) => finger.position);
  const problems = new Set<AttemptProblem>();
  if (wrongHand(capture, slap, seen)) problems.add('wrong-hand');
  if (new Set(seen).size !== seen.length) problems.add('same-finger-twice');
  if (!problems.has('wrong-hand') && expected.some((position) => !seen.includes(position))) problems.add('finger-missing');
  if (quality.requireLiveness && !capture.liveness.live) problems.add('not-live');

  const fingers = expected.map((position) => {
    const found = capture.fingers.find((finger) => finger.position === position);
    const minimum = fingerMinimum(position, quality.fingers);
    const reached = found?.quality ?? 0;
    return { position, quality: reached, minimum, ok: found !== undefined && reached >= minimum };
  });
  if (problems.size === 0 && fingers.some((finger) => !finger.ok)) problems.add('low-quality');
  const margin = fingers.length === 0 ? 0 : Math.min(...fingers.map((finger) => finger.quality - finger.minimum));
  const sequenceBroken = [...problems].some((problem) => problem !== 'low-quality');
  return { accepted: problems.size === 0, problems: [...problems], fingers, score: margin - (sequenceBroken ? SEQUENCE_PENALTY : 0) };
}

export function evaluatePalm(capture: PalmCapture, quality: SessionConfig['quality']): AttemptVerdict {
  const problems: AttemptProblem[] = [];
  if (quality.requireLiveness && !capture.liveness.live) problems.push('not-live');
  const ok = capture.quality >= quality.palm;
  if (problems.length === 0 && !ok) problems.push('low-quality');
  return {
    accepted: problems.length === 0,
    problems,
    fingers: [{ position: 0, quality: capture.quality, minimum: quality.palm, ok }],
    score: capture.quality - quality.palm - (problems.includes('not-live') ? SEQUENCE_PENALTY : 0),
  };
}

/** Accepts a portrait only when the SDK's checks pass; a check the camera does not make does not block. */
export function evaluatePortrait(portrait: Portrait, minimum: SessionConfig['portrait']): AttemptVerdict {
  const { checks } = portrait;
  const problems: AttemptProblem[] = [];
  if (!checks.faceFound) problems.push('no-face');
  else {
    if (checks.eyesOpen === false) problems.push('eyes-closed');
    if (checks.frontalPose === false) problems.push('pose');
    if (checks.exposureOk === false) problems.push('exposure');
  }
  if (portrait.width < minimum.minWidth || portrait.height < minimum.minHeight) problems.push('resolution');
  const score = 100 - problems.length * 25;
  return { accepted: problems.length === 0, problems, fingers: [{ position: 0, quality: Math.max(0, score), minimum: 100, ok: problems.length === 0 }], score };
}

/** The scanner's own hand verdict when it gives one, else the hand of the fingers it segmented. */
function wrongHand(capture: FingerCapture, slap: Slap, seen: readonly number[]): boolean {
  if (slap === 'two-thumbs') return seen.length > 0 && seen.every((position) => position !== 1 && position !== 6);
  const expectedHand = slap === 'right-four' ? 'right' : 'left';
  if (capture.hand === 'right' || capture.hand === 'left') return capture.hand !== expectedHand;
  const onRight = (position: number) => position <= 5;
  return seen.length > 0 && seen.every((position) => onRight(position) !== (expectedHand === 'right'));
}
