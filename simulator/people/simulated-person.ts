/**
 * A simulated person in the booth: walks in, answers the screen the way a script says, and puts
 * hands, face and pen on the simulated devices (through their test hooks), misbehaving when the
 * script says so. It reacts only to what the session shows (state, prompts, quality feedback),
 * exactly as a person reads a screen; it never reaches into the session's internals.
 */
import type { FingerPosition } from '../../hal/fingerprint.ts';
import type { Language, MissingFingerReason, PersonAction, QualityFeedback, SessionPort, SessionSnapshot, SessionState } from '../../protocols/kiosk/session-contract.ts';
import type { SimCamera } from '../devices/sim-camera.ts';
import type { SimDocumentReader } from '../devices/sim-document-reader.ts';
import type { SimFingerprintScanner } from '../devices/sim-fingerprint.ts';
import type { SimSensors } from '../devices/sim-sensors.ts';
import type { SimSignaturePad } from '../devices/sim-signature-pad.ts';

export interface PersonDevices {
  sensors?: SimSensors;
  scanner?: SimFingerprintScanner;
  camera?: SimCamera;
  reader?: SimDocumentReader;
  pad?: SimSignaturePad;
}

export interface PersonScript {
  name: string;
  language: Language;
  /** false: declines consent. */
  consents?: boolean;
  /** Fingers this person cannot give (they never touch the platen), declared on the screen. */
  missing?: Array<{ position: FingerPosition; reason: MissingFingerReason }>;
  /** Quality of every finger (default: the scanner's). */
  fingerQuality?: number;
  /** Puts the wrong hand on the first N four-finger attempts. */
  wrongHandAttempts?: number;
  /** Presses "retry" at once after a failed attempt (else waits for the booth's automatic retry). */
  pressesRetry?: boolean;
  /** The MRZ of the passport the person carries (test data, never a real person's). */
  passportMrz?: readonly string[];
  /** Leaves the booth as soon as the session reaches this state. */
  leavesAt?: SessionState;
  /** Something that happens to the booth when the session reaches a state (a fault, the fire alarm). */
  when?: Partial<Record<SessionState, () => void>>;
}

export class SimulatedPerson {
  readonly #session: SessionPort;
  readonly #devices: PersonDevices;
  readonly #script: PersonScript;
  readonly #seen = new Set<SessionState>();
  #wrongHandLeft: number;
  #inside = false;
  readonly #onState = (snapshot: SessionSnapshot) => this.onState(snapshot);
  readonly #onQuality = (feedback: QualityFeedback) => this.onQuality(feedback);
  /** Actions the session refused (a well-behaved person has none). */
  readonly refused: string[] = [];

  constructor(session: SessionPort, devices: PersonDevices, script: PersonScript) {
    this.#session = session;
    this.#devices = devices;
    this.#script = script;
    this.#wrongHandLeft = script.wrongHandAttempts ?? 0;
  }

  /** Walks in: occupancy rises (or, without an occupancy sensor, the person touches Start). */
  enter(): void {
    const { scanner, reader, sensors, camera, pad } = this.#devices;
    // Someone is there to put hands, face and pen on the devices.
    scanner?.setPersonPlaces(true);
    camera?.setSubject({ present: true });
    pad?.setAutoSign(true);
    if (this.#script.fingerQuality !== undefined) scanner?.setAllFingersQuality(this.#script.fingerQuality);
    for (const finger of this.#script.missing ?? []) scanner?.setFingerMissing(finger.position, true);
    scanner?.setWrongHand(this.#wrongHandLeft > 0);
    if (this.#script.passportMrz) reader?.presentMrz(this.#script.passportMrz);
    this.#session.on('state', this.#onState);
    this.#session.on('quality', this.#onQuality);
    this.#inside = true;
    if (sensors) sensors.setOccupied(true);
    else this.act({ action: 'start' });
  }

  /** Walks out: occupancy clears; the person stops reacting. */
  leave(): void {
    if (!this.#inside) return;
    this.#inside = false;
    this.#session.off('state', this.#onState);
    this.#session.off('quality', this.#onQuality);
    const { scanner, sensors, camera, pad, reader } = this.#devices;
    if (this.#script.passportMrz) reader?.removeDocument(); // the passport leaves with its owner
    for (const finger of this.#script.missing ?? []) scanner?.setFingerMissing(finger.position, false);
    scanner?.setWrongHand(false);
    // Nobody left to place a hand, face the camera or sign.
    scanner?.setPersonPlaces(false);
    camera?.setSubject({ present: false });
    pad?.setAutoSign(false);
    sensors?.setOccupied(false);
  }

  private onState(snapshot: SessionSnapshot): void {
    const { state } = snapshot;
    const first = !this.#seen.has(state);
    this.#seen.add(state);
    if (first) this.#script.when?.[state]?.();
    if (first && this.#script.leavesAt === state) {
      queueMicrotask(() => this.leave());
      return;
    }
    if (!first) return; // a person answers each screen once; retries come through quality feedback
    const script = this.#script;
    switch (state) {
      case 'idle':
        // A person still inside after the session (cannot happen for a script that leaves at goodbye).
        break;
      case 'language':
        this.act({ action: 'choose-language', language: script.language });
        break;
      case 'consent':
        this.act({ action: script.consents === false ? 'decline-consent' : 'accept-consent' });
        break;
      case 'document':
        if (!script.passportMrz) this.act({ action: 'skip-document' });
        break;
      case 'missing-fingers':
        this.act({ action: 'declare-missing', fingers: (script.missing ?? []).map(({ position, reason }) => ({ position, reason })) });
        break;
      case 'review':
        this.act({ action: 'confirm' });
        break;
      case 'goodbye':
      case 'refused':
      case 'escalated':
      case 'fire-alarm':
        if (state !== 'escalated') queueMicrotask(() => this.leave());
        break;
      default:
        break;
    }
  }

  private onQuality(feedback: QualityFeedback): void {
    if (feedback.accepted || feedback.target.kind !== 'slap') return;
    if (this.#wrongHandLeft > 0) {
      this.#wrongHandLeft -= 1;
      // The person reads "that was the other hand" and switches.
      if (this.#wrongHandLeft === 0) this.#devices.scanner?.setWrongHand(false);
    }
    if (this.#script.pressesRetry && feedback.attempt < feedback.maxAttempts) this.act({ action: 'retry' });
  }

  private act(action: PersonAction): void {
    queueMicrotask(() => {
      try {
        this.#session.act(action);
      } catch (error) {
        this.refused.push(`${action.action}: ${(error as Error).message}`);
      }
    });
  }
}
