/**
 * The Mistral embedder against the local stand-in of Mistral's embeddings endpoint
 * (mistral-standin.ts) through the real SDK: batching, order, tries on 429 and 5xx with
 * an injected sleep, refusals, the vectors' size, cutting; then the Qdrant store with it.
 * The store contract is not run with it: the stand-in's vectors are not semantic, so the
 * contract's questions by words would fail for reasons that say nothing of the store.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MistralStandin, standinVector } from "../testing/mistral-standin.js";
import { QdrantStandin } from "../testing/qdrant-standin.js";
import { hashingEmbedder } from "./hashing-embedder.js";
import {
  MAX_BATCH_CHARS,
  MAX_BATCH_INPUTS,
  MAX_TEXT_CHARS,
  MistralEmbedder,
  MistralEmbedderError,
  type MistralEmbedderOptions,
} from "./mistral-embedder.js";
import { EmbedderMismatchError } from "./qdrant-collections.js";
import { QdrantHistoryStore } from "./qdrant-store.js";
import { rec } from "./store-contract-records.js";

let mistral: MistralStandin;
let url = "";
let slept: number[] = [];

beforeEach(async () => {
  mistral = new MistralStandin(`test-key-${randomBytes(8).toString("hex")}`);
  url = await mistral.start();
  slept = [];
});
afterEach(async () => {
  expect(mistral.unknownRoutes).toEqual([]);
  await mistral.stop();
});

function embedder(options: Partial<MistralEmbedderOptions> = {}): MistralEmbedder {
  return new MistralEmbedder({
    apiKey: mistral.apiKey,
    serverURL: url,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

describe("MistralEmbedder", () => {
  it("is named after the model and makes 1024-dimension vectors", async () => {
    const e = embedder();
    expect(e.name).toBe("mistral-embed");
    expect(e.dimension).toBe(1024);
    const [a, b, again] = await e.embed(["df -h", "uptime", "df -h"]);
    expect(a).toHaveLength(1024);
    expect(a).toEqual(standinVector("df -h", 1024));
    expect(again).toEqual(a);
    expect(cosine(a as number[], b as number[])).toBeLessThan(0.2);
    expect(mistral.requests).toEqual([
      { model: "mistral-embed", inputs: ["df -h", "uptime", "df -h"], authorized: true },
    ]);
  });

  it("sends 200 texts in batches of at most 64 inputs and keeps their order", async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `echo operation ${i}`);
    const vectors = await embedder().embed(texts);
    expect(mistral.requests.map((r) => r.inputs.length)).toEqual([64, 64, 64, 8]);
    expect(mistral.requests.flatMap((r) => r.inputs)).toEqual(texts);
    expect(vectors).toEqual(texts.map((t) => standinVector(t, 1024)));
    expect(MAX_BATCH_INPUTS).toBe(64);
  });

  it("orders the vectors by the answer's index, not its order", async () => {
    mistral.reverseData = true;
    const vectors = await embedder().embed(["a", "b", "c"]);
    expect(vectors).toEqual(["a", "b", "c"].map((t) => standinVector(t, 1024)));
  });

  it("keeps a request under the characters budget", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(10_000));
    await embedder().embed(texts);
    const sizes = mistral.requests.map((r) => r.inputs.reduce((sum, t) => sum + t.length, 0));
    expect(sizes.every((s) => s <= MAX_BATCH_CHARS)).toBe(true);
    expect(mistral.requests.flatMap((r) => r.inputs)).toEqual(texts);
    expect(mistral.requests).toHaveLength(Math.ceil(10 / Math.floor(MAX_BATCH_CHARS / 10_000)));
  });

  it("cuts each text to 16,000 characters, never inside a surrogate pair", async () => {
    const long = "x".repeat(40_000);
    const emoji = `${"y".repeat(MAX_TEXT_CHARS - 1)}🚀tail`;
    const [v] = await embedder().embed([long, emoji, "short"]);
    const sent = mistral.requests.flatMap((r) => r.inputs);
    expect(sent.map((t) => t.length)).toEqual([MAX_TEXT_CHARS, MAX_TEXT_CHARS - 1, 5]);
    expect(sent[0]).toBe("x".repeat(MAX_TEXT_CHARS));
    expect(sent[1]).toBe("y".repeat(MAX_TEXT_CHARS - 1));
    expect(v).toEqual(standinVector("x".repeat(MAX_TEXT_CHARS), 1024));
  });

  it("waits as Retry-After says on 429, then succeeds", async () => {
    mistral.failNext(1, { status: 429, retryAfter: "3" });
    const [v] = await embedder().embed(["free -m"]);
    expect(v).toEqual(standinVector("free -m", 1024));
    expect(mistral.requests).toHaveLength(2);
    expect(slept).toEqual([3000]);
  });

  it("backs off exponentially with jitter on 429 without Retry-After", async () => {
    mistral.failNext(3, { status: 429 });
    await embedder({ random: () => 0 }).embed(["free -m"]);
    // Base 500 ms doubling; the jitter's lowest draw keeps half of each.
    expect(slept).toEqual([250, 500, 1000]);
    expect(mistral.requests).toHaveLength(4);
  });

  it("caps the backoff and an excessive Retry-After", async () => {
    mistral.failNext(4, { status: 503 });
    await embedder({ random: () => 0.999_999, retry: { capMs: 1500 } }).embed(["x"]);
    expect(slept.map(Math.round)).toEqual([500, 1000, 1500, 1500]);
    slept = [];
    mistral.failNext(1, { status: 429, retryAfter: "3600" });
    await embedder().embed(["y"]);
    expect(slept).toEqual([60_000]);
  });

  it("tries a 500 five times in all, then fails clearly", async () => {
    mistral.failNext(10, { status: 500 });
    const error = await embedder()
      .embed(["uptime"])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MistralEmbedderError);
    expect((error as MistralEmbedderError).status).toBe(500);
    expect(String(error)).toContain("Mistral embeddings failed after 5 attempts: 500 (Internal server error)");
    expect(mistral.requests).toHaveLength(5);
    expect(slept).toHaveLength(4);
  });

  it("does not try again on 401, and never shows the key", async () => {
    const wrong = `sk-wrong-${randomBytes(8).toString("hex")}`;
    const error = await embedder({ apiKey: wrong })
      .embed(["uptime"])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MistralEmbedderError);
    expect((error as Error).message).toBe("Mistral rejected the embedding request (401): check MISTRAL_API_KEY");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrong);
    expect(mistral.requests).toEqual([{ model: "mistral-embed", inputs: ["uptime"], authorized: false }]);
    expect(slept).toEqual([]);
  });

  it("does not try again on another refusal, and says why", async () => {
    mistral.failNext(1, { status: 422 });
    await expect(embedder().embed(["uptime"])).rejects.toThrow(/rejected the embedding request \(422\)/);
    expect(mistral.requests).toHaveLength(1);
  });

  it("tries network errors again, then names them", async () => {
    const closed = new MistralStandin();
    const closedUrl = await closed.start();
    await closed.stop();
    const error = await embedder({ serverURL: closedUrl })
      .embed(["uptime"])
      .catch((err: unknown) => err);
    expect(String(error)).toMatch(/failed after 5 attempts: ConnectionError/);
    expect(slept).toHaveLength(4);
  });

  it("refuses vectors of another size", async () => {
    mistral.dimension = 768;
    await expect(embedder().embed(["uptime"])).rejects.toThrow(
      "Mistral answered a 768-dimension vector; mistral-embed makes 1024",
    );
    expect(mistral.requests).toHaveLength(1);
  });

  it("says so when an answer is not an embeddings answer", async () => {
    const odd = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list" }));
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    try {
      const oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
      await expect(embedder({ serverURL: oddUrl }).embed(["uptime"])).rejects.toThrow(
        /Mistral's answer \(200\) could not be read/,
      );
      expect(slept).toEqual([]);
    } finally {
      odd.closeAllConnections();
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  it("splits a batch the endpoint finds to have too many tokens, and cuts a text still too long", async () => {
    mistral.maxBatchTokens = 1_000; // 4,000 characters at the stand-in's four a token
    const texts = ["a".repeat(3_000), "b".repeat(3_000), "c".repeat(3_000), "d".repeat(6_000)];
    const vectors = await embedder().embed(texts);
    expect(vectors).toHaveLength(4);
    expect(vectors.slice(0, 3)).toEqual(texts.slice(0, 3).map((t) => standinVector(t, 1024)));
    expect(vectors[3]).toEqual(standinVector("d".repeat(3_000), 1024));
    const answered = mistral.requests.slice(-1)[0]?.inputs;
    expect(answered).toEqual(["d".repeat(3_000)]);
    expect(slept).toEqual([]);
  });

  it("comes from the environment only with MISTRAL_API_KEY", async () => {
    expect(MistralEmbedder.fromEnv({})).toBeNull();
    expect(MistralEmbedder.fromEnv({ MISTRAL_API_KEY: "  " })).toBeNull();
    const fromEnv = MistralEmbedder.fromEnv({ MISTRAL_API_KEY: mistral.apiKey, MISTRAL_SERVER_URL: url });
    expect(fromEnv).toBeInstanceOf(MistralEmbedder);
    expect(await fromEnv?.embed(["ls"])).toEqual([standinVector("ls", 1024)]);
  });
});

describe("QdrantHistoryStore with MistralEmbedder", () => {
  let qdrant: QdrantStandin;
  let qdrantUrl = "";
  beforeAll(async () => {
    qdrant = new QdrantStandin();
    qdrantUrl = await qdrant.start();
  });
  afterAll(async () => {
    expect(qdrant.unknownRoutes).toEqual([]);
    await qdrant.stop();
  });

  it("embeds and searches through Mistral, records mistral-embed, and refuses the hashing embedder", async () => {
    const prefix = `m_${randomBytes(4).toString("hex")}_`;
    const store = await QdrantHistoryStore.open({ url: qdrantUrl, prefix, embedder: embedder() });
    const disk = rec({ id: "disk", command: "df -h /srv", stdout: "/dev/sda1 100% /srv\n" });
    const load = rec({ id: "load", command: "uptime", stdout: " 10:00 up 3 days, load average: 0.1\n" });
    expect(await store.add([disk, load])).toBe(2);
    // One request per collection with text: stdout, then commands (both stderrs are empty).
    expect(mistral.requests.map((r) => r.inputs)).toEqual([
      [disk.stdout, load.stdout],
      [disk.command, load.command],
    ]);
    // The stand-in's vectors mean nothing, but a text meets its own vector exactly.
    const hits = await store.search({ vms: ["web1"], text: "df -h /srv", collection: "commands", limit: 2 });
    expect(hits.map((h) => h.record.id)).toEqual(["disk", "load"]);
    expect(hits[0]?.record).toEqual(disk);
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    const meta = qdrant.collections.get(`${prefix}telecommande_meta`);
    expect([...(meta?.points.values() ?? [])].map((p) => p.payload)).toEqual([
      { embedder: "mistral-embed", dimension: 1024 },
    ]);
    const error = await QdrantHistoryStore.open({ url: qdrantUrl, prefix, embedder: hashingEmbedder }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EmbedderMismatchError);
    expect(String(error)).toContain('"mistral-embed" (1024 dimensions)');
    expect(String(error)).toContain(`"${hashingEmbedder.name}" (1024 dimensions)`);
  });
});
