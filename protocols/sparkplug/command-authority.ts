/**
 * Decides whether a decoded command batch may run: which commands need the central signature,
 * and for those the signature, target, validity window and replay checks of
 * command-signature.ts, with accepted ids kept durably (a ReplayLedger: the session store).
 *
 * Harmless commands run unsigned: releasing the door (`Door/Locked = false` — unlock is always
 * accepted, the person inside must never depend on a key or a clock) and `Node Control/Rebirth`
 * (re-sends the BIRTHs; Sparkplug primary hosts send it unsigned whenever they lose track of a
 * node, and it changes nothing on the booth). Every other command changes state — lock, reboot,
 * device reset, lights, a self-test (which may take a portrait) — and so does any command added
 * later: the list of harmless commands is an allow-list, anything not on it needs a signature.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../hal/clock.ts';
import { NODE_CONTROL, type Command, type CommandBatch } from './command-decoder.ts';
import { commandTarget, verifyCommand, type CommandRejection, type SignedEnvelope } from './command-signature.ts';

/** Where accepted command ids are kept until their window closes. */
export interface ReplayLedger {
  hasCommand(id: string, now: number): boolean;
  rememberCommand(id: string, expiresAt: number, now: number): void;
}

export interface CommandAuthorityOptions {
  group: string;
  node: string;
  /** The central command-signing key (Ed25519); undefined refuses every state-changing command. */
  publicKey: KeyObject | undefined;
  /** Clock difference tolerated between the central side and the booth. */
  skewMs: number;
  clock: Clock;
  ledger: ReplayLedger;
}

export type Authorization = { ok: true; envelope?: SignedEnvelope } | CommandRejection;

/** The unlock command: always accepted, signed or not. */
export function isUnlock(device: string | undefined, command: Command): boolean {
  return device !== undefined && command.name === 'Door/Locked' && command.value === false;
}

/** Whether a command may run without the central signature (see the module comment). */
export function isHarmless(device: string | undefined, command: Command): boolean {
  return isUnlock(device, command) || (device === undefined && command.name === NODE_CONTROL.rebirth);
}

export function requiresSignature(batch: CommandBatch): boolean {
  return batch.commands.some((command) => !isHarmless(batch.device, command));
}

export class CommandAuthority {
  readonly #options: CommandAuthorityOptions;

  constructor(options: CommandAuthorityOptions) {
    this.#options = options;
  }

  get enforcing(): boolean {
    return this.#options.publicKey !== undefined;
  }

  /**
   * Synchronous on purpose: the id is checked and recorded before anything else can run, so two
   * copies of one command arriving together cannot both pass.
   */
  authorize(batch: CommandBatch): Authorization {
    if (!requiresSignature(batch)) return { ok: true };
    const { group, node, publicKey, skewMs, clock, ledger } = this.#options;
    const now = clock.now();
    const verdict = verifyCommand({
      envelope: batch.envelope ?? [],
      commands: batch.commands,
      expectedTarget: commandTarget(group, node, batch.device),
      now,
      skewMs,
      publicKey,
      seen: (id) => ledger.hasCommand(id, now),
    });
    if (!verdict.ok) return verdict;
    const { envelope } = verdict;
    try {
      ledger.rememberCommand(envelope.id, envelope.notAfter + skewMs, now);
    } catch (error) {
      // Without a durable record the command could be replayed after a restart: refuse it.
      return { ok: false, reason: 'unrecorded', detail: `the command id could not be recorded: ${(error as Error).message}`, id: envelope.id };
    }
    return { ok: true, envelope };
  }
}
