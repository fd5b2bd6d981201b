/**
 * @module The agent's history as it starts: the embedded store in its data dir with the
 * offline analyzer. A history that cannot open (an unreadable file, another analyzer's
 * index) is logged as an error and answers every question with that reason; the agent
 * itself still runs commands.
 */
import { join } from "node:path";
import { ERROR_CODES } from "@telecommande/shared";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import { Recorder } from "./recorder.js";
import { HISTORY_FILE_NAME } from "./sqlite-schema.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import type { HistoryStore } from "./store.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

export interface AgentHistory {
  store: HistoryStore;
  recorder: Recorder;
  /** False when the store could not open and answers every use with why. */
  available: boolean;
}

/** A store that could not open: every use fails with why. */
function unavailable(reason: string): HistoryStore {
  const fail = async (): Promise<never> => {
    throw new JobError(ERROR_CODES.internal, `this agent's history is unavailable: ${reason}`);
  };
  return {
    add: fail,
    search: fail,
    statistics: fail,
    suggest: fail,
    count: fail,
    // biome-ignore lint/correctness/useYield: it fails before yielding anything
    export: async function* () {
      await fail();
    },
    prune: fail,
    close: async () => undefined,
  };
}

export function openHistory(dataDir: string, log: Logger): AgentHistory {
  const file = join(dataDir, HISTORY_FILE_NAME);
  let store: HistoryStore;
  let available = true;
  try {
    store = SqliteHistoryStore.open(file, vocabularyAnalyzer);
    log.info("history_opened", { file, analyzer: vocabularyAnalyzer.name });
  } catch (error) {
    const reason = (error as Error).message;
    log.error("history_unavailable", { file, error: reason });
    store = unavailable(reason);
    available = false;
  }
  return { store, recorder: new Recorder(store, log), available };
}
