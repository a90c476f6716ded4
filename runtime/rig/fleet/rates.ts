/**
 * The load a booth puts on the broker, as the fleet simulator models it.
 *
 * A busy migration centre: ~60 enrolment sessions per booth in an 8-hour day, i.e. 7.5 sessions
 * (capture packages) per booth per hour — one every 8 minutes, 0.0021 per second. A session keeps
 * the door locked for a few minutes (4 by default); the gap until the next one is drawn from an
 * exponential distribution so that booths do not act in step (a Poisson-like arrival of people).
 * A full package (ten prints as 4-4-2 slaps, two palms, face, signature) is ~7 MB sealed.
 */
export const BUSY_CENTRE_SESSIONS_PER_DAY = 60;
export const WORKING_DAY_HOURS = 8;
export const BUSY_CENTRE_CAPTURES_PER_HOUR = BUSY_CENTRE_SESSIONS_PER_DAY / WORKING_DAY_HOURS;
export const FULL_PACKAGE_BYTES = 7 * 1024 * 1024;
export const DEFAULT_SESSION_SECONDS = 240;
export const DEFAULT_TELEMETRY_SECONDS = 10;
/** Images per package: 3 slaps, 2 palms, face, signature and a spare attempt. */
export const DEFAULT_CAPTURES_PER_PACKAGE = 8;
