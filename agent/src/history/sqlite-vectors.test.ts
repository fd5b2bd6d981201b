import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MistralStandin } from "../testing/mistral-standin.js";
import { plainAnalyzer } from "./analyzer.js";
import type { Embedder } from "./embedder.js";
import { MistralEmbedder } from "./mistral-embedder.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { EmbedderMismatchError } from "./sqlite-vectors.js";
import { rec } from "./store-contract-records.js";

describe("SqliteHistoryStore with vectors", () => {
  let standin: MistralStandin;
  let url: string;
  let dir: string;
  let file: string;
  let embedder: MistralEmbedder;
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (event: string) => void warnings.push(event) };
  const all = { vms: ["web1", "web2"] };
  const open = (options: { embedder?: Embedder; forReindex?: boolean } = { embedder }) =>
    SqliteHistoryStore.open(file, plainAnalyzer, {
      ...options,
      vectorOptions: { log, retryBaseMs: 5, retryCapMs: 20 },
    });
  /** The text a record's vector is made from. */
  const textOf = (r: { command: string; stdout: string; stderr: string }) => `${r.command}\n${r.stdout}\n${r.stderr}`;
  const vectorCount = () => {
    const db = new Database(file, { readonly: true });
    sqliteVec.load(db);
    try {
      return db.prepare("SELECT count(*) FROM operation_vectors").pluck().get() as number;
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    standin = new MistralStandin();
    url = await standin.start();
    dir = mkdtempSync(join(tmpdir(), "history-vectors-"));
    file = join(dir, "history.sqlite");
    embedder = new MistralEmbedder({
      apiKey: standin.apiKey,
      serverURL: url,
      retry: { attempts: 1 },
      sleep: async () => undefined,
    });
    warnings.length = 0;
  });
  afterEach(async () => {
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("embeds added records in the background, in batches, and records the embedder", async () => {
    const store = open();
    const records = Array.from({ length: 70 }, (_, i) => rec({ command: `echo ${i}`, stdout: `${i}\n` }));
    expect(await store.add(records)).toBe(70);
    // The record is written before anything is embedded.
    expect(await store.count()).toBe(70);
    await store.vectorIndex?.idle();
    expect(standin.requests.flatMap((r) => r.inputs).sort()).toEqual(records.map(textOf).sort());
    expect(standin.requests.length).toBeGreaterThanOrEqual(2);
    expect(store.getMeta("vector_embedder")).toBe("mistral-embed");
    expect(store.getMeta("vector_dimension")).toBe("1024");
    await store.close();
    expect(vectorCount()).toBe(70);
  });

  it("embeds what was stored without an embedder, or while the embedder was down, once it answers", async () => {
    const before = open({});
    await before.add([rec({ id: "early", command: "uptime" })]);
    await before.close();

    standin.failNext(3, { status: 503 });
    const store = open();
    await store.add([rec({ id: "during", command: "df -h" })]);
    await store.vectorIndex?.idle();
    expect(warnings).toContain("history_vectors_failed");
    const embedded = standin.requests.slice(3).flatMap((r) => r.inputs);
    expect(embedded.sort()).toEqual(["df -h\n\n", "uptime\n\n"]);
    await store.close();
    expect(vectorCount()).toBe(2);
  });

  it("fuses lexical and vector rankings, one hit per operation", async () => {
    const store = open();
    const lexical = rec({ id: "lexical", command: "systemctl status nginx", stdout: "active (running)\n" });
    const semantic = rec({ id: "semantic", command: "free -m", stdout: "Mem: 7977 7801 176\n" });
    const both = rec({ id: "both", command: "journalctl -u nginx", stdout: "nginx started\n" });
    await store.add([lexical, semantic, both, rec({ vm: "web3", command: "free -m", stdout: semantic.stdout })]);
    await store.vectorIndex?.idle();

    // The stand-in's vectors mean nothing, but a text gets its own vector back; web3's
    // record has the very same vector, and is another VM's.
    const hits = await store.search({ ...all, text: textOf(semantic), limit: 10 });
    expect(hits[0]?.record.id).toBe("semantic");
    expect(hits[0]?.record).toEqual(semantic);

    const mixed = await store.search({ ...all, text: `nginx ${textOf(semantic)}`, limit: 10 });
    const ids = mixed.map((h) => h.record.id);
    expect(ids).toEqual(expect.arrayContaining(["lexical", "both"]));
    expect(new Set(ids).size).toBe(ids.length);
    // Another VM's record, however near, is not the caller's.
    expect(ids.every((id) => !id.endsWith(":web3"))).toBe(true);
    for (const h of mixed) expect(h.score).toBeGreaterThan(0);
    await store.close();
  });

  it("finds a record by its vector alone and another by its words alone, each once", async () => {
    const store = open();
    // A divider line has no word to index: only its vector can find it.
    const byVector = rec({ id: "vector", command: ":", stdout: "-".repeat(20_000) });
    const byWords = rec({ id: "words", command: "cat /etc/hostname", stdout: "zanzibar\n" });
    await store.add([byVector, byWords, rec({ id: "other", command: "date" })]);
    await store.vectorIndex?.idle();
    // The embedder reads the first 16,000 characters, so this question's vector is the
    // divider's, and its only word, past them, is in `words` alone.
    const question = `${textOf(byVector).slice(0, 16_000)}\nzanzibar`;
    const lexicalOnly = open({});
    const lexicalIds = (await lexicalOnly.search({ ...all, text: question, limit: 5 })).map((h) => h.record.id);
    expect(lexicalIds).toEqual(["words"]);
    await lexicalOnly.close();
    const ids = (await store.search({ ...all, text: question, limit: 2 })).map((h) => h.record.id);
    expect(ids.sort()).toEqual(["vector", "words"]);
    await store.close();
  });

  it("refuses vectors another embedder made, naming both, until reindex embeds again", async () => {
    const first = open();
    await first.add([rec({ id: "a", command: "uptime" }), rec({ id: "b", command: "df -h" })]);
    await first.vectorIndex?.idle();
    await first.close();

    const other: Embedder = {
      name: "other-embed",
      dimension: 8,
      embed: async (texts) => texts.map((t) => Array.from({ length: 8 }, (_, i) => (i === t.length % 8 ? 1 : 0))),
    };
    expect(() => open({ embedder: other })).toThrow(EmbedderMismatchError);
    expect(() => open({ embedder: other })).toThrow(
      /"mistral-embed, 1024 dimensions".*"other-embed, 8 dimensions".*telecommande-agent history reindex/,
    );
    // Without an embedder the file opens as before, lexical only.
    const plain = open({});
    expect(await plain.count()).toBe(2);
    await plain.close();

    const reindexing = open({ embedder: other, forReindex: true });
    expect(await reindexing.reindex()).toBe(2);
    await reindexing.close();
    const reopened = open({ embedder: other });
    expect(reopened.getMeta("vector_embedder")).toBe("other-embed");
    expect(reopened.getMeta("vector_dimension")).toBe("8");
    expect(reopened.vectorIndex?.pendingCount()).toBe(0);
    expect((await reopened.search({ ...all, text: "uptime", limit: 5 }))[0]?.record.id).toBe("a");
    await reopened.close();
  });

  it("forgets the vectors of pruned records", async () => {
    const store = open();
    await store.add([rec({ id: "old", command: "uptime", timestamp: 1 }), rec({ id: "new", command: "df" })]);
    await store.vectorIndex?.idle();
    expect(await store.prune({ maxRecords: 1, now: 2e9 })).toBe(1);
    await store.close();
    expect(vectorCount()).toBe(1);
  });

  it("embeds again a seq reused after a prune made without the embedder", async () => {
    const first = open();
    await first.add([rec({ id: "a", command: "uptime" }), rec({ id: "b", command: "df -h", timestamp: 1 })]);
    await first.vectorIndex?.idle();
    await first.close();
    const plain = open({});
    expect(await plain.prune({ maxRecords: 1, now: 2e9 })).toBe(1);
    const reused = rec({ id: "c", command: "free -m" });
    await plain.add([reused]);
    await plain.close();

    const store = open();
    await store.vectorIndex?.idle();
    const hits = await store.search({ ...all, text: textOf(reused), limit: 1 });
    expect(hits.map((h) => h.record.id)).toEqual(["c"]);
    await store.close();
    expect(vectorCount()).toBe(2);
  });

  it("answers with the lexical ranking alone when the question cannot be embedded", async () => {
    const store = open();
    await store.add([rec({ id: "n", command: "nginx -t" }), rec({ id: "d", command: "df -h" })]);
    await store.vectorIndex?.idle();
    standin.failNext(2, { status: 500 });
    const hits = await store.search({ ...all, text: "nginx", limit: 5 });
    expect(hits.map((h) => h.record.id)).toEqual(["n"]);
    expect(await store.search({ ...all, text: "nginx", limit: 5 })).toHaveLength(1);
    expect(warnings.filter((w) => w === "history_question_embedding_failed")).toHaveLength(1);
    await store.close();
  });
});
