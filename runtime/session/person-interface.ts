/**
 * What the person in the booth sees and hears of the session: the kiosk API (and the touchscreen
 * UI it serves) and the spoken prompts. Built from the manifest's `kiosk` and `audio` sections,
 * started after the session and stopped before it. Sound is optional: without generated voice
 * files (make voice) the booth runs with the screen alone and says so once in the log.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import { createAudioOutput, resolveVoiceDir } from '../audio/audio-settings.ts';
import { VoicePrompter } from '../audio/voice-prompter.ts';
import { emptyVoiceIndex, readVoiceIndex, VOICE_INDEX_FILE, type VoiceIndex } from '../audio/voice-index.ts';
import type { BoothConfig } from '../config/schema.ts';
import type { MessageCatalogue } from '../i18n/catalogue.ts';
import { utteranceFor } from '../i18n/spoken-keys.ts';
import { KioskServer } from '../kiosk/kiosk-server.ts';
import type { BoothLogger } from '../logging/logger.ts';
import type { Prompt } from '../../protocols/kiosk/session-contract.ts';
import type { SessionOrchestrator } from './session-orchestrator.ts';

export interface PersonInterfaceOptions {
  config: BoothConfig;
  manifestFile: string;
  session: SessionOrchestrator;
  catalogue: MessageCatalogue;
  clock: Clock;
  logger: BoothLogger;
}

export class PersonInterface {
  readonly kiosk: KioskServer;
  readonly voice: VoicePrompter;
  readonly #session: SessionOrchestrator;
  readonly #onPrompt = (prompt: Prompt) => void this.voice.say(prompt);
  #url: string | undefined;

  constructor(options: PersonInterfaceOptions) {
    const { config, catalogue, logger } = options;
    const voiceDir = resolveVoiceDir(config.audio, options.manifestFile);
    const index = loadVoiceIndex(voiceDir, logger);
    this.#session = options.session;
    this.voice = new VoicePrompter({ index, voiceDir, output: createAudioOutput(config.audio), logger: logger.child({ component: 'voice' }) });
    this.kiosk = new KioskServer({
      session: options.session,
      host: config.kiosk.host,
      port: config.kiosk.port,
      ...(config.kiosk.uiDir ? { uiDir: config.kiosk.uiDir } : {}),
      ...(existsSync(voiceDir) ? { voiceDir } : {}),
      boothId: config.booth.id,
      languages: () => catalogue.languages().filter((language) => config.session!.languages.includes(language.code)),
      renderPrompt: (prompt) => {
        const audio = voiceUrl(index, prompt);
        return { text: catalogue.text(prompt.language, prompt.key, prompt.params), ...(audio ? { audio } : {}) };
      },
      clock: options.clock,
      logger,
      maxClients: config.kiosk.maxClients,
      previewsPerSecond: config.kiosk.previewsPerSecond,
    });
  }

  /** The kiosk's base URL once started. */
  get url(): string | undefined {
    return this.#url;
  }

  async start(): Promise<void> {
    this.#url = await this.kiosk.start();
    this.#session.on('prompt', this.#onPrompt);
  }

  async stop(): Promise<void> {
    this.#session.off('prompt', this.#onPrompt);
    await this.voice.stop();
    await this.kiosk.stop();
    this.#url = undefined;
  }
}

function loadVoiceIndex(voiceDir: string, logger: BoothLogger): VoiceIndex {
  if (!existsSync(join(voiceDir, VOICE_INDEX_FILE))) {
    logger.warn({ voiceDir }, 'no voice prompts generated (make voice): the booth speaks no prompts');
    return emptyVoiceIndex();
  }
  try {
    return readVoiceIndex(voiceDir);
  } catch (error) {
    logger.warn({ err: error, voiceDir }, `voice index unreadable, the booth speaks no prompts: ${(error as Error).message}`);
    return emptyVoiceIndex();
  }
}

/** The prompt's voice file as the kiosk serves it (`/voice/<lang>/<file>.wav`), when there is one. */
function voiceUrl(index: VoiceIndex, prompt: Prompt): string | undefined {
  const utterance = utteranceFor(prompt.key, prompt.params);
  const entry = utterance ? index.languages[prompt.language]?.prompts[utterance.id] : undefined;
  return entry ? `/voice/${entry.file}` : undefined;
}
