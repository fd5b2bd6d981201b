/**
 * @module Mistral's hosted embedding model, `mistral-embed` (1024 dimensions), through
 * `@mistralai/mistralai`, when MISTRAL_API_KEY is set. Texts are cut to what the model
 * reads, sent in batches the endpoint accepts, and each request is tried again with
 * exponential backoff and jitter on 429, 5xx and network errors (after `Retry-After` when
 * the answer has one); any other refusal ends the call at once with a clear error. The
 * SDK's own retries stay off so one policy decides.
 */
import type { Mistral } from "@mistralai/mistralai";
import { answerMessage, retryAfterMs } from "./mistral-answers.js";

/**
 * The SDK, loaded on first use: importing it costs about a second (two under tsx), which
 * every agent start would pay even without MISTRAL_API_KEY.
 */
type Sdk = {
  Mistral: typeof import("@mistralai/mistralai").Mistral;
  errors: typeof import("@mistralai/mistralai/models/errors");
};
let sdk: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([import("@mistralai/mistralai"), import("@mistralai/mistralai/models/errors")]).then(
    ([main, errors]) => ({ Mistral: main.Mistral, errors }),
  );
  return sdk;
}

import type { Embedder } from "./embedder.js";

export const MISTRAL_MODEL = "mistral-embed";
export const MISTRAL_DIMENSION = 1024;

/**
 * Characters kept of each text. mistral-embed reads at most 8,192 tokens of an input and
 * refuses a longer one instead of truncating it; shell commands and outputs (paths,
 * numbers, hashes, log prefixes) run at two characters a token or more, so 16,000
 * characters fit (the history keeps outputs of up to 30,000). A text that still has too
 * many tokens is cut further when the endpoint says so (see `embedBatch`).
 */
export const MAX_TEXT_CHARS = 16_000;
/** Inputs per request. */
export const MAX_BATCH_INPUTS = 64;
/**
 * Characters per request: the endpoint refuses a request of more than 16,384 tokens in
 * all ("Too many tokens in batch"), which this keeps under at two characters a token.
 */
export const MAX_BATCH_CHARS = 32_000;
/** The shortest a text is cut to when the endpoint still finds it too long. */
const MIN_CUT_CHARS = 500;

export interface RetryPolicy {
  /** Tries of one request in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
  /** The longest `Retry-After` honoured, so a wrong header cannot stall recording for long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, capMs: 20_000, maxRetryAfterMs: 60_000 };

export interface MistralEmbedderOptions {
  apiKey: string;
  /** Another address for the API (a proxy, or a local stand-in); Mistral's own by default. */
  serverURL?: string;
  retry?: Partial<RetryPolicy>;
  /** Waits between tries (tests pass one that records and returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter's draw. */
  random?: () => number;
  /** One request's time limit. */
  timeoutMs?: number;
}

export class MistralEmbedderError extends Error {
  override name = "MistralEmbedderError";
  constructor(
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Cuts a text to `max` characters without splitting a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Consecutive groups of at most MAX_BATCH_INPUTS texts and MAX_BATCH_CHARS characters (a longer text alone). */
export function batchesOf(texts: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const text of texts) {
    if (current.length > 0 && (current.length >= MAX_BATCH_INPUTS || chars + text.length > MAX_BATCH_CHARS)) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

type Attempt = { retry: true; delayMs?: number; reason: string } | { retry: false; error: Error };

export class MistralEmbedder implements Embedder {
  readonly name = MISTRAL_MODEL;
  readonly dimension = MISTRAL_DIMENSION;
  // No minScore: mistral-embed gives unrelated texts clearly positive cosines, and no
  // threshold has been measured on the history yet; the nearest operations are answered.
  private client: Promise<{ client: Mistral; errors: Sdk["errors"] }> | undefined;
  private readonly timeoutMs: number;
  private readonly serverURL: string | undefined;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly apiKey: string;

  constructor(options: MistralEmbedderOptions) {
    this.apiKey = options.apiKey;
    this.serverURL = options.serverURL;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? sleepFor;
    this.random = options.random ?? Math.random;
  }

  private sdkClient() {
    this.client ??= loadSdk().then(({ Mistral, errors }) => ({
      client: new Mistral({
        apiKey: this.apiKey,
        ...(this.serverURL ? { serverURL: this.serverURL } : {}),
        // Tries are this class's: the SDK's would multiply them and ignore Retry-After's cap.
        retryConfig: { strategy: "none" },
        timeoutMs: this.timeoutMs,
      }),
      errors,
    }));
    return this.client;
  }

  /** One when MISTRAL_API_KEY is set (MISTRAL_SERVER_URL for another address), else null. */
  static fromEnv(
    env: Record<string, string | undefined> = process.env,
    options: Omit<MistralEmbedderOptions, "apiKey" | "serverURL"> = {},
  ): MistralEmbedder | null {
    const apiKey = env.MISTRAL_API_KEY?.trim();
    if (!apiKey) return null;
    const serverURL = env.MISTRAL_SERVER_URL?.trim();
    return new MistralEmbedder({ ...options, apiKey, ...(serverURL ? { serverURL } : {}) });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (const batch of batchesOf(texts.map((t) => cutText(t, MAX_TEXT_CHARS)))) {
      vectors.push(...(await this.embedBatch(batch)));
    }
    return vectors;
  }

  /**
   * One batch; when the endpoint finds it has too many tokens after all (text denser than
   * two characters a token), its halves are sent apart, and a single text is cut to half.
   */
  private async embedBatch(texts: string[]): Promise<number[][]> {
    try {
      return await this.request(texts);
    } catch (err) {
      if (!(err instanceof TooManyTokens)) throw err;
      if (texts.length > 1) {
        const half = Math.ceil(texts.length / 2);
        return [...(await this.embedBatch(texts.slice(0, half))), ...(await this.embedBatch(texts.slice(half)))];
      }
      const text = texts[0] ?? "";
      if (text.length <= MIN_CUT_CHARS) throw err.cause;
      return this.embedBatch([cutText(text, Math.max(MIN_CUT_CHARS, Math.floor(text.length / 2)))]);
    }
  }

  /** One request, tried again on 429, 5xx and network errors. */
  private async request(texts: string[]): Promise<number[][]> {
    let last = "";
    const { client, errors } = await this.sdkClient();
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      let outcome: Attempt;
      try {
        const response = await client.embeddings.create({ model: MISTRAL_MODEL, inputs: texts });
        return this.vectorsFrom(response.data, texts.length);
      } catch (err) {
        outcome = this.classify(err, errors);
      }
      if (!outcome.retry) throw outcome.error;
      last = outcome.reason;
      if (attempt + 1 >= this.retry.attempts) break;
      const backoff = Math.min(this.retry.capMs, this.retry.baseMs * 2 ** attempt);
      // Equal jitter: at least half the backoff, so clients refused together come back apart.
      const delay =
        outcome.delayMs !== undefined
          ? Math.min(outcome.delayMs, this.retry.maxRetryAfterMs)
          : backoff / 2 + (backoff / 2) * this.random();
      await this.sleep(delay);
    }
    throw new MistralEmbedderError(
      `Mistral embeddings failed after ${this.retry.attempts} attempts: ${last}`,
      Number(/^(\d{3})/.exec(last)?.[1]) || undefined,
    );
  }

  private classify(err: unknown, { ConnectionError, MistralError, RequestTimeoutError }: Sdk["errors"]): Attempt {
    if (err instanceof MistralError) {
      const status = err.statusCode;
      const message = this.hidden(answerMessage(err.body));
      // A 200 whose body is not an embeddings answer (the SDK's ResponseValidationError).
      if (status < 400) {
        return {
          retry: false,
          error: new MistralEmbedderError(`Mistral's answer (${status}) could not be read: ${message}`),
        };
      }
      if (status === 429 || status >= 500) {
        const delayMs = status === 429 ? retryAfterMs(err.headers) : undefined;
        return { retry: true, ...(delayMs !== undefined ? { delayMs } : {}), reason: `${status} (${message})` };
      }
      if (status === 401 || status === 403) {
        return {
          retry: false,
          error: new MistralEmbedderError(
            `Mistral rejected the embedding request (${status}): check MISTRAL_API_KEY`,
            status,
          ),
        };
      }
      const error = new MistralEmbedderError(
        `Mistral rejected the embedding request (${status}): ${message || "no reason given"}`,
        status,
      );
      if ((status === 400 || status === 422) && /token/i.test(message)) {
        return { retry: false, error: new TooManyTokens(error) };
      }
      return { retry: false, error };
    }
    if (err instanceof ConnectionError || err instanceof RequestTimeoutError) {
      return { retry: true, reason: `${err.name}: ${this.hidden(err.message)}` };
    }
    if (err instanceof MistralEmbedderError) return { retry: false, error: err };
    return { retry: false, error: err instanceof Error ? err : new Error(String(err)) };
  }

  /** Vectors in input order (by `index`), each of the model's size. */
  private vectorsFrom(data: { embedding?: number[]; index?: number }[], expected: number): number[][] {
    if (data.length !== expected) {
      throw new MistralEmbedderError(`Mistral answered ${data.length} embeddings for ${expected} texts`);
    }
    const vectors = new Array<number[]>(expected);
    data.forEach((item, position) => {
      const index = item.index ?? position;
      const vector = item.embedding;
      if (!vector || index < 0 || index >= expected || vectors[index]) {
        throw new MistralEmbedderError(`Mistral answered an embedding without a vector or with a wrong index`);
      }
      if (vector.length !== this.dimension) {
        throw new MistralEmbedderError(
          `Mistral answered a ${vector.length}-dimension vector; ${this.name} makes ${this.dimension}: the history's vectors would not compare`,
        );
      }
      vectors[index] = vector;
    });
    return vectors;
  }

  /** The key never appears in a message, even if an answer or a network error repeats it. */
  private hidden(text: string): string {
    return this.apiKey ? text.replaceAll(this.apiKey, "***") : text;
  }
}

/** The endpoint found a request's tokens too many: sent again smaller, not as it was. */
class TooManyTokens extends Error {
  override name = "TooManyTokens";
  constructor(override readonly cause: MistralEmbedderError) {
    super(cause.message);
  }
}
