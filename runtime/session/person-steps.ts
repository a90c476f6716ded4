/**
 * The steps where the person answers on the screen: language, consent, document, declaration of
 * missing fingers, review. Each shows its state and waits for the one answer it accepts.
 */
import type { DocumentReader } from '../../hal/index.ts';
import { isDeviceError } from '../../hal/errors.ts';
import type { PersonAction } from '../../protocols/kiosk/session-contract.ts';
import { endOrError, SessionEnd } from './session-end.ts';
import type { StepContext } from './step-context.ts';

export async function languageStep(context: StepContext): Promise<void> {
  context.show('language', 'language.choose');
  const action = (await context.waitFor(['choose-language'])) as Extract<PersonAction, { action: 'choose-language' }>;
  context.record.language = action.language;
}

/** Refusal ends the session with nothing kept; the consent text's version goes with the answer. */
export async function consentStep(context: StepContext): Promise<void> {
  context.show('consent', 'consent.text');
  const action = await context.waitFor(['accept-consent', 'decline-consent']);
  const given = action?.action === 'accept-consent';
  context.record.consent = { given, textVersion: context.config.consentVersion, atMs: context.clock.now() };
  if (!given) throw new SessionEnd('refused', 'consent declined');
}

/**
 * Reads the passport MRZ or the queue ticket. The text is personal data: it goes into the record
 * and nowhere else. An unreadable document is asked for again; without one the person may skip
 * when the manifest allows it (an officer then links the session).
 */
export async function documentStep(context: StepContext): Promise<void> {
  const { read, allowSkip } = context.config.document;
  const reader = context.device<DocumentReader>('document-reader', 'document');
  const key = read === 'mrz' ? 'document.mrz' : 'document.ticket';
  context.show('document', key, {}, { kind: 'document' });
  // "No document" aborts the read in progress; the step then returns without one.
  const controller = new AbortController();
  const stopSkip = allowSkip ? context.onAction(['skip-document'], () => controller.abort()) : () => undefined;
  try {
    await readDocument(context, reader, key, controller);
  } finally {
    stopSkip();
  }
}

async function readDocument(context: StepContext, reader: DocumentReader, key: string, controller: AbortController): Promise<void> {
  const { allowSkip } = context.config.document;
  const skipped = () => controller.signal.aborted && !context.signal.aborted;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const io = context.io(context.config.timeouts.captureSeconds * 1000);
      const signal = AbortSignal.any([io.signal!, controller.signal]);
      const document = await reader.read({ ...io, signal });
      context.record.document = { kind: document.kind === 'mrz' ? 'MRZ' : 'BARCODE', text: document.text, readAtMs: document.readAt };
      controller.abort();
      return;
    } catch (error) {
      if (skipped()) return;
      const cause = endOrError(context.signal, error);
      if (cause instanceof SessionEnd) throw cause;
      if (isDeviceError(cause) && cause.code === 'EBADMSG') {
        context.noteAttempts('document', attempt, 0);
        if (attempt >= context.config.maxAttempts) {
          if (allowSkip) {
            // Only "no document" is left: wait for it (or for the inactivity rule).
            context.prompt('document.unreadable');
            await context.waitFor(['skip-document']);
            return;
          }
          throw new SessionEnd('escalated', `document unreadable after ${attempt} attempts`, 'document');
        }
        context.prompt('document.unreadable');
        continue;
      }
      if (isDeviceError(cause) && cause.code === 'ETIMEDOUT') {
        context.prompt('inactivity.still-there');
        const answer = await context.waitFor(['touch', 'skip-document'], { alreadyAsked: true });
        if (answer?.action === 'skip-document' || skipped()) return;
        context.prompt(key);
        continue;
      }
      throw new SessionEnd('escalated', `device fault: ${reader.id} ${isDeviceError(cause) ? cause.code : 'EIO'} during document`, 'document');
    }
  }
}

export async function missingFingersStep(context: StepContext): Promise<void> {
  context.show('missing-fingers', 'missing.title');
  const action = (await context.waitFor(['declare-missing'])) as Extract<PersonAction, { action: 'declare-missing' }>;
  context.record.missing.clear();
  for (const finger of action.fingers) context.record.missing.set(finger.position, finger.reason);
  // Ten fingers missing is a case for an officer: the booth has nothing to capture.
  if (context.record.missing.size === 10 && context.config.fingerprints) {
    throw new SessionEnd('escalated', 'all ten fingers declared missing', 'fingerprints');
  }
}

export async function reviewStep(context: StepContext): Promise<void> {
  const printed = 10 - context.record.missing.size;
  context.show('review', 'review.title', { count: printed });
  await context.waitFor(['confirm']);
}
