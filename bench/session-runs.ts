/**
 * The two ways the session benchmark takes one person's biometrics on the same booth:
 * - `orchestratedSession`: a simulated person (a perfect script) walks in and the session
 *   orchestrator runs the whole session, as in service;
 * - `directSession`: the baseline — a straight script calling the same HAL devices in the same
 *   order (lock, 3 slaps, 2 palms, portrait, signature, package into the same capture service and
 *   outbox, release), with no orchestrator, door guard, screen events or checks.
 * Both return their wall time; the package is crypto-erased afterwards, outside the timing (no
 * receiver runs, so nothing else would ever take it out of the outbox).
 */
import { performance } from 'node:perf_hooks';
import type { Slap } from '../hal/index.ts';
import { newUuidV7 } from '../protocols/capture/package-codec.ts';
import type { SessionSnapshot, SessionSummary } from '../protocols/kiosk/session-contract.ts';
import { SessionRecord } from '../protocols/capture/session-record.ts';
import { SimulatedPerson, type PersonScript } from '../simulator/people/simulated-person.ts';
import type { SessionBenchBooth } from './session-booth.ts';

const PERFECT: PersonScript = { name: 'a person who does everything right', language: 'uz' };
const SLAPS: readonly Slap[] = ['right-four', 'left-four', 'two-thumbs'];
const PALMS = ['right-full', 'left-full'] as const;

export interface OrchestratedRun {
  /** Person walks in (occupancy rises) → the session's `ended` (door released). */
  toEndedMs: number;
  /** Person walks in → the booth is idle again, ready for the next person. */
  toIdleMs: number;
  summary: SessionSummary;
  /** Wall time outside the steps: walk-in → first step (pre-check, lock), commit + release, goodbye → idle. */
  aroundMs: { precheckAndLock: number; commitAndRelease: number; goodbyeToIdle: number };
}

export async function orchestratedSession(bench: SessionBenchBooth): Promise<OrchestratedRun> {
  const session = bench.booth.session!;
  if (session.state !== 'idle') throw new Error(`the booth is ${session.state}, not idle, before a person walks in`);
  const person = new SimulatedPerson(session, { sensors: bench.sensors, scanner: bench.scanner, camera: bench.camera, pad: bench.pad }, PERFECT);
  let endedAt = 0;
  let firstStepAt = 0;
  let committingAt = 0;
  let summary: SessionSummary | undefined;
  const finished = new Promise<void>((resolve) => {
    let started = false;
    const onEnded = (ended: SessionSummary) => {
      endedAt = performance.now();
      summary = ended;
    };
    const onState = (snapshot: SessionSnapshot) => {
      if (snapshot.state === 'language' && firstStepAt === 0) firstStepAt = performance.now();
      if (snapshot.state === 'committing' && committingAt === 0) committingAt = performance.now();
      if (snapshot.state !== 'idle') started = true;
      else if (started) {
        session.off('ended', onEnded);
        session.off('state', onState);
        resolve();
      }
    };
    session.on('ended', onEnded);
    session.on('state', onState);
  });
  const startedAt = performance.now();
  person.enter();
  await finished;
  const idleAt = performance.now();
  person.leave(); // already left on the goodbye screen; this only makes sure
  if (!summary || summary.outcome !== 'completed' || !summary.committed) {
    throw new Error(`session ended ${summary?.outcome ?? '?'} (${summary?.reason ?? ''}); refused actions: ${person.refused.join('; ')}`);
  }
  bench.booth.captures!.outbox.erase(summary.sessionId);
  return {
    toEndedMs: endedAt - startedAt,
    toIdleMs: idleAt - startedAt,
    summary,
    aroundMs: { precheckAndLock: firstStepAt - startedAt, commitAndRelease: endedAt - committingAt, goodbyeToIdle: idleAt - endedAt },
  };
}

export interface DirectRun {
  wallMs: number;
  /** Wall time per phase, named like the session's steps where they match. */
  phasesMs: Record<string, number>;
}

/** The same device work, called straight, no orchestrator: the baseline. */
export async function directSession(bench: SessionBenchBooth): Promise<DirectRun> {
  const { booth, door, lights, scanner, camera, pad } = bench;
  const clock = booth.clock;
  const serial = (id: string) => booth.serialOf(id);
  const phasesMs: Record<string, number> = {};
  const started = performance.now();
  let phaseStart = started;
  const phase = (name: string) => {
    const now = performance.now();
    phasesMs[name] = now - phaseStart;
    phaseStart = now;
  };
  // The person is there to place hands, face the camera and sign (as SimulatedPerson.enter).
  scanner.setPersonPlaces(true);
  camera.setSubject({ present: true });
  pad.setAutoSign(true);
  // The same encoder thread as the orchestrated session's, so the two stay comparable.
  const record = new SessionRecord(newUuidV7(clock.now()), clock.now(), booth.pngEncoder ? { pngEncoder: booth.pngEncoder } : {});
  record.language = 'uz';
  record.consent = { given: true, textVersion: '2026-11', atMs: clock.now() };
  await door.lock({ timeoutMs: 2000 });
  phase('lock');
  await lights.setScene('fingerprint', { timeoutMs: 3000 });
  for (const slap of SLAPS) {
    const startedAtMs = clock.now();
    const capture = await scanner.captureSlap(slap, { timeoutMs: 45_000 });
    record.keepSlap(slap, capture, { deviceId: scanner.id, deviceSerial: serial(scanner.id), startedAtMs, attempt: 1 });
  }
  phase('fingerprints');
  for (const palm of PALMS) {
    const startedAtMs = clock.now();
    const capture = await scanner.capturePalm(palm, { timeoutMs: 45_000 });
    record.keepPalm(capture, { deviceId: scanner.id, deviceSerial: serial(scanner.id), startedAtMs, attempt: 1 });
  }
  phase('palms');
  await lights.setScene('portrait', { timeoutMs: 3000 });
  await camera.setPreview(true, { timeoutMs: 5000 });
  const portraitAt = clock.now();
  const portrait = await camera.capture({ timeoutMs: 45_000 });
  record.keepPortrait(portrait, 100, { deviceId: camera.id, deviceSerial: serial(camera.id), startedAtMs: portraitAt, attempt: 1 });
  await camera.setPreview(false, { timeoutMs: 2000 });
  await lights.setScene('welcome', { timeoutMs: 3000 });
  phase('face');
  const signatureAt = clock.now();
  const signature = await pad.collect('Sign here', { timeoutMs: 90_000 });
  record.keepSignature(signature, { deviceId: pad.id, deviceSerial: serial(pad.id), startedAtMs: signatureAt, attempt: 1 }, clock.now());
  phase('signature');
  await record.encoded();
  booth.captures!.submit(record.build(booth.config.booth.id, 'COMPLETED', '', clock.now()));
  phase('commit');
  await door.unlock({ timeoutMs: 2000 });
  phase('release');
  const wallMs = performance.now() - started;
  scanner.setPersonPlaces(false);
  camera.setSubject({ present: false });
  pad.setAutoSign(false);
  booth.captures!.outbox.erase(record.sessionId);
  return { wallMs, phasesMs };
}
