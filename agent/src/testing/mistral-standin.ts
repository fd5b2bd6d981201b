/**
 * @module A local stand-in for Mistral's embeddings endpoint, for tests: no key or
 * network is needed. It answers `POST /v1/embeddings` as `@mistralai/mistralai` calls it
 * (a bearer key, a JSON body `{model, input}` with `input` a string or an array of
 * strings) with Mistral's response `{id, object: "list", data: [{object: "embedding",
 * embedding, index}], model, usage}`. Its vectors are 1024-d unit vectors drawn from a
 * hash of the text: the same text always gets the same vector and different texts nearly
 * orthogonal ones, but they mean nothing (no two related texts are closer than unrelated
 * ones). The next requests can be made to fail with 429, 5xx or 401, and every request is
 * kept, so tests can count batches.
 */
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server.js";

export const STANDIN_MODEL = "mistral-embed";

export interface StandinRequest {
  model: unknown;
  /** Always a list: a single string input is kept as a list of one. */
  inputs: string[];
  authorized: boolean;
}

export interface StandinFailure {
  status: number;
  /** Sent as the `Retry-After` header when given (seconds, or an HTTP date). */
  retryAfter?: string;
}

/** Mistral's error bodies: `{message, request_id}` for auth and rate limits, `object: "error"` for invalid requests. */
function errorBody(status: number, message: string): object {
  if (status === 401 || status === 429) return { message, request_id: randomUUID().replaceAll("-", "") };
  return { object: "error", message, type: "invalid_request_error", param: null, code: null };
}

const MESSAGES: Record<number, string> = {
  401: "Unauthorized",
  429: "Requests rate limit exceeded",
  500: "Internal server error",
  502: "Bad gateway",
  503: "Service unavailable",
};

/** A deterministic unit vector for a text: xorshift128 seeded from its SHA-256, centred values, L2-normalised. */
export function standinVector(text: string, dimension: number): number[] {
  const seed = createHash("sha256").update(text, "utf8").digest();
  let [a, b, c, d] = [0, 4, 8, 12].map((i) => seed.readUInt32LE(i) | 1) as [number, number, number, number];
  const next = () => {
    const t = a ^ (a << 11);
    [a, b, c] = [b, c, d];
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d / 0x1_0000_0000 - 0.5;
  };
  const vector = Array.from({ length: dimension }, next);
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return vector.map((x) => x / norm);
}

export class MistralStandin {
  /** Every request to the embeddings route, in order, failed ones included. */
  readonly requests: StandinRequest[] = [];
  /** Requests to any other route: `METHOD /path`. */
  readonly unknownRoutes: string[] = [];
  /** The size of the vectors it answers with: another size lets tests check the client refuses them. */
  dimension = 1024;
  /** Answers with `data` in reverse order (each item keeping its `index`): clients must order by `index`. */
  reverseData = false;
  /**
   * Mistral refuses a request of more than 16,384 tokens in all; the stand-in counts a
   * token per four characters, and tests lower the limit to see a client split its batch.
   */
  maxBatchTokens = 16_384;
  private failures: StandinFailure[] = [];
  private readonly http = new LoopbackServer((req, res) => this.handle(req, res));

  constructor(readonly apiKey = "standin-mistral-key") {}

  /** The next `count` requests (with the right key) fail with this status. */
  failNext(count: number, failure: StandinFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  async start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? "/", "http://standin").pathname;
    if (req.method !== "POST" || path !== "/v1/embeddings") {
      this.unknownRoutes.push(`${req.method} ${path}`);
      send(404, { detail: "Not Found" });
      return;
    }
    let body: { model?: unknown; input?: unknown } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
    } catch {
      send(400, errorBody(400, "Invalid JSON body"));
      return;
    }
    const inputs = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
    const authorized = req.headers.authorization === `Bearer ${this.apiKey}`;
    this.requests.push({ model: body.model, inputs: inputs.filter((x) => typeof x === "string"), authorized });
    if (!authorized) {
      send(401, errorBody(401, MESSAGES[401] as string));
      return;
    }
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      send(failure.status, errorBody(failure.status, MESSAGES[failure.status] ?? "Error"), headers);
      return;
    }
    if (body.model !== STANDIN_MODEL) {
      send(400, errorBody(400, `Invalid model: ${String(body.model)}`));
      return;
    }
    if (inputs.length === 0 || inputs.some((x) => typeof x !== "string")) {
      send(422, errorBody(422, "input: a string or a non-empty list of strings is required"));
      return;
    }
    // Mistral counts tokens with its tokenizer; a quarter of the characters is near enough here.
    const tokens = inputs.reduce((sum, text: string) => sum + Math.ceil(text.length / 4), 0);
    if (tokens > this.maxBatchTokens) {
      send(400, errorBody(400, `Too many tokens in batch. Max is ${this.maxBatchTokens} got ${tokens}`));
      return;
    }
    const data = inputs.map((text: string, index) => ({
      object: "embedding",
      embedding: standinVector(text, this.dimension),
      index,
    }));
    send(200, {
      id: randomUUID().replaceAll("-", ""),
      object: "list",
      data: this.reverseData ? data.reverse() : data,
      model: STANDIN_MODEL,
      usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
    });
  }
}
