/**
 * @module The agent's history as it starts: the embedded store in its data dir with the
 * offline analyzer. A history that cannot open (an unreadable file, another analyzer's
 * index) is logged as an error and answers every question with that reason; the agent
 * itself still runs commands. With MISTRAL_API_KEY, the store also keeps mistral-embed's
 * vectors of the records and fuses them with its lexical ranking. With QDRANT_URL in its
 * environment, every record is also copied to Qdrant in the background (qdrant-sync.ts);
 * the local store still answers.
 */
import { join } from "node:path";
import { ERROR_CODES } from "@telecommande/shared";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Embedder } from "./embedder.js";
import { hashingEmbedder } from "./hashing-embedder.js";
import { MistralEmbedder } from "./mistral-embedder.js";
import { QdrantHistoryStore } from "./qdrant-store.js";
import { QdrantSync, type QdrantSyncOptions } from "./qdrant-sync.js";
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
  /** The copy to Qdrant, when QDRANT_URL is set. */
  sync?: QdrantSync;
}

export interface OpenHistoryOptions {
  /** Read for QDRANT_URL, QDRANT_API_KEY and MISTRAL_API_KEY (the daemon passes its own). */
  env?: Record<string, string | undefined>;
  /** Tunables of the copy to Qdrant, for tests; also `prefix` for its collections. */
  sync?: Partial<Omit<QdrantSyncOptions, "local" | "open" | "target" | "log">> & { prefix?: string };
}

/** One Qdrant request's time limit in the copy: a hung server is retried, not waited on for minutes. */
const QDRANT_TIMEOUT_MS = 30_000;

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

export function openHistory(dataDir: string, log: Logger, options: OpenHistoryOptions = {}): AgentHistory {
  const file = join(dataDir, HISTORY_FILE_NAME);
  let local: SqliteHistoryStore;
  const env = options.env ?? {};
  log.addSecret(env.MISTRAL_API_KEY?.trim());
  // Vectors only from a model that understands the text: offline, the vocabulary analyzer
  // already does what the hashing embedder's vectors would.
  const embedder = MistralEmbedder.fromEnv(env) ?? undefined;
  try {
    local = SqliteHistoryStore.open(file, vocabularyAnalyzer, {
      ...(embedder ? { embedder } : {}),
      vectorOptions: { log },
    });
    log.info("history_opened", {
      file,
      analyzer: vocabularyAnalyzer.name,
      ...(embedder ? { embedder: embedder.name } : {}),
    });
  } catch (error) {
    const reason = (error as Error).message;
    log.error("history_unavailable", { file, error: reason });
    const store = unavailable(reason);
    return { store, recorder: new Recorder(store, log), available: false };
  }
  const recorder = new Recorder(local, log);
  const sync = startQdrantSync(local, log, options);
  if (sync) recorder.onWritten = () => sync.wake();
  return { store: local, recorder, available: true, ...(sync ? { sync } : {}) };
}

/** The URL as it may be logged: without user, password or query (where a key could sit). */
function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, "")}`;
}

function startQdrantSync(local: SqliteHistoryStore, log: Logger, options: OpenHistoryOptions): QdrantSync | undefined {
  const env = options.env ?? {};
  const raw = env.QDRANT_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    log.error("qdrant_sync_disabled", { error: "QDRANT_URL is not an http:// or https:// URL" });
    return undefined;
  }
  const apiKey = env.QDRANT_API_KEY?.trim() || undefined;
  log.addSecret(apiKey);
  // A password in the URL stays out of the log, as given and decoded.
  log.addSecret(url.password);
  try {
    log.addSecret(decodeURIComponent(url.password));
  } catch {
    // Not valid percent-encoding: only the form given can appear.
  }
  log.addSecret(env.MISTRAL_API_KEY?.trim());
  const embedder: Embedder = MistralEmbedder.fromEnv(env) ?? hashingEmbedder;
  const { prefix = "", ...tunables } = options.sync ?? {};
  const shown = shownUrl(url);
  const sync = new QdrantSync({
    ...tunables,
    local,
    log,
    target: `${shown} ${prefix}`.trim(),
    open: () =>
      QdrantHistoryStore.open({
        url: raw,
        ...(apiKey ? { apiKey } : {}),
        embedder,
        prefix,
        timeoutMs: QDRANT_TIMEOUT_MS,
      }),
  });
  log.info("qdrant_sync_started", { url: shown, embedder: embedder.name, backlog: sync.backlog() });
  sync.start();
  return sync;
}
