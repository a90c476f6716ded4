/** The step list of this booth's session (from the manifest) and which procedure runs each step. */
import { fingerprintsStep, faceStep, palmsStep, signatureStep } from './capture-steps.ts';
import { consentStep, documentStep, languageStep, missingFingersStep, reviewStep } from './person-steps.ts';
import type { SessionConfig } from './session-config.ts';
import type { SessionStep } from '../../protocols/kiosk/session-contract.ts';
import type { StepContext } from './step-context.ts';

const PROCEDURES: Record<SessionStep, (context: StepContext) => Promise<void>> = {
  language: languageStep,
  consent: consentStep,
  document: documentStep,
  'missing-fingers': missingFingersStep,
  fingerprints: fingerprintsStep,
  palms: palmsStep,
  face: faceStep,
  signature: signatureStep,
  review: reviewStep,
};

export function stepsOf(config: SessionConfig): SessionStep[] {
  const steps: SessionStep[] = ['language', 'consent'];
  if (config.document.read !== 'none') steps.push('document');
  if (config.fingerprints) steps.push('missing-fingers', 'fingerprints');
  if (config.palms.length > 0) steps.push('palms');
  if (config.face) steps.push('face');
  if (config.signature) steps.push('signature');
  steps.push('review');
  return steps;
}

export function runStep(step: SessionStep, context: StepContext): Promise<void> {
  return PROCEDURES[step](context);
}
