/**
 * What the server sends to the touchscreen, and how each message is built from the session's
 * events. Builders are pure so the wire shape is tested without a socket.
 */
import type {
  Language,
  PersonActionName,
  PreviewFrame,
  Prompt,
  QualityFeedback,
  SessionOutcome,
  SessionSnapshot,
  SessionState,
  SessionSummary,
} from '../../protocols/kiosk/session-contract.ts';
import { KIOSK_PROTOCOL, type KioskErrorCode } from './kiosk-protocol.ts';

export interface KioskLanguage {
  code: string;
  name: string;
}

/** A prompt as the screen and the speaker need it: the catalogue text and the voice file, if any. */
export interface RenderedPrompt {
  text: string;
  /** A path under /voice/ the screen can play. */
  audio?: string;
}

export type ServerMessage =
  | { type: 'hello'; protocol: typeof KIOSK_PROTOCOL; boothId: string; languages: KioskLanguage[]; snapshot: SessionSnapshot }
  | { type: 'state'; snapshot: SessionSnapshot }
  | {
      type: 'prompt';
      key: string;
      language: Language;
      params: Record<string, string | number>;
      text: string;
      audio: string | null;
    }
  | {
      type: 'preview';
      source: PreviewFrame['source'];
      mime: PreviewFrame['mime'];
      data: string;
      fingers: Array<{ position: number; quality: number }>;
    }
  | ({ type: 'quality' } & QualityFeedback)
  | { type: 'ended'; outcome: SessionOutcome }
  | { type: 'ack'; id: string }
  | { type: 'pong'; id: string }
  | {
      type: 'error';
      code: KioskErrorCode;
      message: string;
      id?: string;
      /** EORDER only: where the session is and what it accepts there. */
      state?: SessionState;
      allowedActions?: readonly PersonActionName[];
    };

export type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

export function helloMessage(boothId: string, languages: KioskLanguage[], snapshot: SessionSnapshot): ServerMessage {
  return { type: 'hello', protocol: KIOSK_PROTOCOL, boothId, languages, snapshot };
}

export function stateMessage(snapshot: SessionSnapshot): ServerMessage {
  return { type: 'state', snapshot };
}

export function promptMessage(prompt: Prompt, rendered: RenderedPrompt): ServerMessage {
  return {
    type: 'prompt',
    key: prompt.key,
    language: prompt.language,
    params: prompt.params,
    text: rendered.text,
    audio: rendered.audio ?? null,
  };
}

export function previewMessage(frame: PreviewFrame): ServerMessage {
  return {
    type: 'preview',
    source: frame.source,
    mime: frame.mime,
    data: Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength).toString('base64'),
    fingers: frame.fingers ?? [],
  };
}

export function qualityMessage(feedback: QualityFeedback): ServerMessage {
  return { type: 'quality', ...feedback };
}

/** Only the outcome: the summary's figures are for logs and metrics, not the screen. */
export function endedMessage(summary: SessionSummary): ServerMessage {
  return { type: 'ended', outcome: summary.outcome };
}

export function errorMessage(code: KioskErrorCode, message: string, id?: string): ErrorMessage {
  return id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id };
}
