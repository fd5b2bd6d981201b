/**
 * The store contract and the Qdrant store's own tests, against the local stand-in of
 * Qdrant's REST API (Qdrant's server cannot run here), or against a real server when
 * QDRANT_URL is set (`npm run test:qdrant`): each test gets its own collection prefix,
 * and its collections are deleted after it.
 */
import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QdrantStandin } from "../testing/qdrant-standin.js";
import type { Embedder } from "./embedder.js";
import { hashingEmbedder } from "./hashing-embedder.js";
import { EmbedderMismatchError } from "./qdrant-collections.js";
import { COLLECTIONS, META_COLLECTION, pointId } from "./qdrant-payload.js";
import { RRF_K } from "./qdrant-search.js";
import { QdrantHistoryStore } from "./qdrant-store.js";
import { historyStoreContract } from "./store-contract.js";
import { rec } from "./store-contract-records.js";

const realUrl = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY || undefined;
const run = randomBytes(4).toString("hex");
let standin: QdrantStandin | undefined;
let url = realUrl ?? "";
let made = 0;

beforeAll(async () => {
  if (realUrl) return;
  standin = new QdrantStandin();
  url = await standin.start();
});
afterAll(async () => {
  // Every call the store made was one the stand-in knows: a gap would have passed as a 404.
  if (standin) expect(standin.unknownRoutes).toEqual([]);
  await standin?.stop();
});

const client = () => new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
const names = (prefix: string) => [...Object.values(COLLECTIONS), META_COLLECTION].map((c) => `${prefix}${c}`);

async function dropCollections(prefix: string): Promise<void> {
  const c = client();
  for (const name of names(prefix)) {
    if ((await c.collectionExists(name)).exists) await c.deleteCollection(name);
  }
}

function freshPrefix(): string {
  made += 1;
  return `t_${run}_${made}_`;
}

async function openStore(prefix: string, embedder: Embedder = hashingEmbedder): Promise<QdrantHistoryStore> {
  return QdrantHistoryStore.open({ url, ...(apiKey ? { apiKey } : {}), embedder, prefix });
}

historyStoreContract(realUrl ? "qdrant (real server)" : "qdrant (stand-in)", async () => {
  const prefix = freshPrefix();
  const store = await openStore(prefix);
  return {
    store,
    async cleanup() {
      await store.close();
      await dropCollections(prefix);
    },
  };
});

describe("QdrantHistoryStore", () => {
  const all = { vms: ["web1", "db1"] };

  it("creates the original's collections on first use: cosine, the embedder's size, payload indexes", async () => {
    const prefix = freshPrefix();
    try {
      const store = await openStore(prefix);
      for (const name of Object.values(COLLECTIONS)) {
        const info = await client().getCollection(`${prefix}${name}`);
        expect(info.config.params.vectors, name).toMatchObject({ size: 1024, distance: "Cosine" });
        const schema = Object.fromEntries(
          Object.entries(info.payload_schema).map(([field, s]) => [field, s?.data_type]),
        );
        expect(schema, name).toEqual({
          host: "keyword",
          user: "keyword",
          vm: "keyword",
          timestamp: "float",
          return_code: "integer",
        });
      }
      const r = rec({ command: "df -h", stdout: "/dev/sda1 100% /\n", stderr: "" });
      await store.add([r]);
      const get = async (c: string) =>
        (await client().retrieve(`${prefix}${c}`, { ids: [pointId(r.id)], with_payload: true }))[0]?.payload;
      const base = {
        job_id: r.job_id,
        host: r.host,
        user: r.user,
        command: r.command,
        timestamp: r.timestamp,
        return_code: r.return_code,
        record_id: r.id,
        vm: r.vm,
        caller: r.caller,
        duration_ms: r.duration_ms,
      };
      expect(await get("ssh_commands")).toEqual({ ...base, stdout: r.stdout, stderr: "" });
      expect(await get("ssh_stdout")).toEqual({ ...base, stdout: r.stdout });
      // An empty stream has nothing to be found by.
      expect(await get("ssh_stderr")).toBeUndefined();
      const meta = await client().scroll(`${prefix}${META_COLLECTION}`, { limit: 10, with_payload: true });
      expect(meta.points.map((p) => p.payload)).toEqual([{ embedder: hashingEmbedder.name, dimension: 1024 }]);
      // Opening again finds everything in place and keeps the records.
      const again = await openStore(prefix);
      expect(await again.count()).toBe(1);
    } finally {
      await dropCollections(prefix);
    }
  });

  // Not on a real server: its unprefixed collections may be someone's history.
  it.skipIf(realUrl)("names its collections exactly as the original without a prefix", async () => {
    const own = new QdrantStandin();
    const ownUrl = await own.start();
    try {
      await QdrantHistoryStore.open({ url: ownUrl, embedder: hashingEmbedder });
      expect([...own.collections.keys()].sort()).toEqual([
        "ssh_commands",
        "ssh_stderr",
        "ssh_stdout",
        "telecommande_meta",
      ]);
      expect(own.unknownRoutes).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it("refuses to open a history filled by another embedder, naming both", async () => {
    const prefix = freshPrefix();
    try {
      await (await openStore(prefix)).add([rec()]);
      const other: Embedder = { name: "mistral-embed", dimension: 1024, embed: hashingEmbedder.embed };
      const error = await openStore(prefix, other).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(EmbedderMismatchError);
      expect(String(error)).toContain(`"${hashingEmbedder.name}" (1024 dimensions)`);
      expect(String(error)).toContain('"mistral-embed" (1024 dimensions)');
      const smaller: Embedder = { name: hashingEmbedder.name, dimension: 256, embed: hashingEmbedder.embed };
      await expect(openStore(prefix, smaller)).rejects.toThrow(/1024 dimensions.*256 dimensions/s);
      expect(await (await openStore(prefix)).count()).toBe(1);
    } finally {
      await dropCollections(prefix);
    }
  });

  it("fuses the three collections into one hit per operation by reciprocal rank", async () => {
    const prefix = freshPrefix();
    try {
      const store = await openStore(prefix);
      const everywhere = rec({
        id: "everywhere",
        vm: "web1",
        command: "grep quokka /srv/zoo.log",
        stdout: "quokka spotted\n",
        stderr: "grep: quokka.bak: No such file\n",
        return_code: 2,
      });
      const once = rec({ id: "once", vm: "db1", command: "cat animals", stdout: "a quokka among others\n" });
      await store.add([everywhere, once]);
      const hits = await store.search({ ...all, text: "quokka", limit: 10 });
      expect(hits.map((h) => h.record.id)).toEqual(["everywhere", "once"]);
      expect(hits[0]?.record).toEqual(everywhere);
      // First in all three lists; `once` is in the stdout list only, second there.
      expect(hits[0]?.score).toBeCloseTo(3 / (RRF_K + 1), 10);
      expect(hits[1]?.score).toBeCloseTo(1 / (RRF_K + 2), 10);
      const stdoutHits = await store.search({ ...all, text: "quokka", collection: "stdout", limit: 10 });
      expect(stdoutHits.map((h) => h.record.id).sort()).toEqual(["everywhere", "once"]);
      expect(stdoutHits.every((h) => h.score > 0 && h.score <= 1)).toBe(true);
    } finally {
      await dropCollections(prefix);
    }
  });

  it("answers through the offline vocabulary's concepts, in English and French", async () => {
    const prefix = freshPrefix();
    try {
      const store = await openStore(prefix);
      const oom = rec({ command: "dmesg | tail", stdout: "[812.4] Out of memory: Killed process 1234 (java)\n" });
      await store.add([oom, rec({ command: "uptime", stdout: " 10:00:00 up 3 days, load average: 0.1\n" })]);
      for (const text of ["which box ran out of memory", "quelle machine a manqué de mémoire"]) {
        const hits = await store.search({ ...all, text, limit: 5 });
        expect(hits[0]?.record.id, text).toBe(oom.id);
      }
    } finally {
      await dropCollections(prefix);
    }
  });
});
