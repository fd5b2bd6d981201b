/**
 * The background copy of the history to Qdrant, against the local stand-in of Qdrant's
 * REST API: a Qdrant that is down or hangs, a restart half-way through a backlog, a prune
 * that frees the newest seqs, a server filled by another embedder, and the agent's wiring.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgent } from "../agent.js";
import type { ServedVm } from "../config.js";
import { createLogger } from "../log.js";
import { type FakeEdge, startFakeEdge } from "../testing/fake-edge.js";
import { eventually } from "../testing/job-harness.js";
import { QdrantStandin } from "../testing/qdrant-standin.js";
import { hashingEmbedder } from "./hashing-embedder.js";
import { type OpenHistoryOptions, openHistory } from "./open.js";
import { COLLECTIONS, pointId } from "./qdrant-payload.js";
import { QdrantHistoryStore } from "./qdrant-store.js";
import { QdrantSync, type SyncTarget } from "./qdrant-sync.js";
import type { OperationRecord } from "./record.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { rec } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

const FAST: OpenHistoryOptions["sync"] = { debounceMs: 0, intervalMs: 50, backoffBaseMs: 20, backoffCapMs: 40 };
const VM = { name: "web-01", host: "10.0.0.1", user: "ops", port: 22, privateKey: "" } as ServedVm;

let dir: string;
let standin: QdrantStandin;
let url: string;
let logs: Record<string, unknown>[];
const log = () => createLogger({ agent: "default", sink: (line) => logs.push(JSON.parse(line)) });
const events = (name: string) => logs.filter((l) => l.event === name);
const file = () => join(dir, "history.sqlite");
const points = () => standin.collections.get(COLLECTIONS.commands)?.points ?? new Map();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tc-qdrant-sync-"));
  logs = [];
  standin = new QdrantStandin();
  url = await standin.start();
});
afterEach(async () => {
  expect(standin.unknownRoutes).toEqual([]);
  await standin.stop();
  rmSync(dir, { recursive: true, force: true });
});

function op(i: number) {
  return {
    job_id: `job-${i}`,
    caller: "ada",
    vm: VM,
    command: `df -h /var/${i}`,
    stdout: `/dev/sda1 ${i}%\n`,
    stderr: "",
    return_code: 0,
    duration_ms: 3,
    startedAtMs: 1_767_225_600_000 + i,
  };
}

function expectOnceEach(records: readonly { id: string }[]): void {
  expect(points().size).toBe(records.length);
  expect(new Set(points().keys())).toEqual(new Set(records.map((r) => pointId(r.id))));
}

/** A sync of `local` to the stand-in, its target wrapped to see (or break) each batch. */
function syncOf(local: SqliteHistoryStore, wrap: (target: SyncTarget) => SyncTarget = (t) => t): QdrantSync {
  return new QdrantSync({
    ...FAST,
    local,
    log: log(),
    target: url,
    batch: 10,
    open: async () => wrap(await QdrantHistoryStore.open({ url, embedder: hashingEmbedder })),
  });
}

describe("QdrantSync", () => {
  it("uploads what was recorded while Qdrant answered 503, all of it once, after it is back", async () => {
    standin.failWith = 503;
    const history = openHistory(dir, log(), { env: { QDRANT_URL: url }, sync: FAST });
    for (let i = 0; i < 25; i++) await history.recorder.record(op(i));
    await eventually(() => events("qdrant_sync_failed").length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // One line for the whole outage, however many retries.
    expect(events("qdrant_sync_failed")).toHaveLength(1);
    expect(events("qdrant_sync_failed")[0]).toMatchObject({ level: "warn", status: 503 });
    expect(points().size).toBe(0);

    standin.failWith = undefined;
    await eventually(() => points().size === 25);
    await eventually(() => events("qdrant_sync_resumed").length > 0);
    expect(events("qdrant_sync_resumed")[0]).toMatchObject({ backlog: 25 });
    // Recorded once it is up: woken by the recorder, well before the next timer.
    await history.recorder.record(op(25));
    await eventually(() => points().size === 26);
    await history.sync?.stop();
    expect(history.sync?.backlog()).toBe(0);
    await history.store.close();
    const local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    expectOnceEach(local.recordsAfter(0, 100).map((r) => r.record));
    await local.close();
  });

  it("after a restart half-way, sends only from where it stopped; Qdrant holds each record once", async () => {
    const records = Array.from({ length: 40 }, () => rec({ stdout: "ok\n" }));
    let local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    await local.add(records);
    // The third batch reaches Qdrant, then the agent dies before its cursor moves.
    let batches = 0;
    const first = syncOf(local, (target) => ({
      close: () => target.close(),
      add: async (batch) => {
        batches += 1;
        if (batches > 3) throw new Error("killed");
        const added = await target.add(batch);
        if (batches === 3) throw new Error("killed");
        return added;
      },
    }));
    first.start();
    await eventually(() => batches > 3);
    await first.stop();
    await local.close();
    expect(points().size).toBe(30);

    local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    const sent: OperationRecord[] = [];
    let added = 0;
    const second = syncOf(local, (target) => ({
      close: () => target.close(),
      add: async (batch) => {
        sent.push(...batch);
        const n = await target.add(batch);
        added += n;
        return n;
      },
    }));
    second.start();
    await eventually(() => second.backlog() === 0);
    await second.stop();
    expect(sent.map((r) => r.id)).toEqual(records.slice(20).map((r) => r.id));
    expect(added).toBe(10);
    expectOnceEach(records);
    await local.close();
  });

  it("never holds a record back while Qdrant takes requests and never answers", async () => {
    const sockets: Socket[] = [];
    const hung: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const port = (hung.address() as { port: number }).port;
    const history = openHistory(dir, log(), {
      env: { QDRANT_URL: `http://127.0.0.1:${port}` },
      sync: { ...FAST, stopWaitMs: 50 },
    });
    await eventually(() => sockets.length > 0);
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await history.recorder.record(op(i));
      expect(performance.now() - started).toBeLessThan(200);
    }
    expect(await history.store.count()).toBe(5);
    expect(history.sync?.backlog()).toBe(5);
    const stopping = performance.now();
    await history.sync?.stop();
    expect(performance.now() - stopping).toBeLessThan(1_000);
    await history.store.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));
  });

  it("uploads records that reuse the seqs a prune freed", async () => {
    const local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    // The newest seq holds the oldest record (an import), so pruning frees the top seq.
    await local.add([rec(), rec(), rec({ timestamp: 1 })]);
    const sync = syncOf(local);
    sync.start();
    await eventually(() => points().size === 3);
    await local.prune({ maxRecords: 2, now: Date.now() / 1000 });
    const late = rec();
    await local.add([late]);
    sync.wake();
    await eventually(() => points().has(pointId(late.id)));
    await sync.stop();
    await local.close();
  });

  it("does not skip a record that took a freed seq while its batch was being uploaded", async () => {
    const local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    await local.add([rec(), rec(), rec({ timestamp: 1 })]);
    const late = rec();
    let first = true;
    // The first batch is held at Qdrant until a prune has freed its top seq and a new record took it.
    const sync = syncOf(local, (target) => ({
      add: async (records) => {
        const added = await target.add(records);
        if (first) {
          first = false;
          await local.prune({ maxRecords: 2, now: Date.now() / 1000 });
          await local.add([late]);
        }
        return added;
      },
      close: () => target.close(),
    }));
    sync.start();
    await eventually(() => points().has(pointId(late.id)));
    await sync.stop();
    await local.close();
  });

  it("stops for good, logging why, when Qdrant was filled by another embedder", async () => {
    const other = {
      name: "another-model",
      dimension: 8,
      embed: async (t: string[]) => t.map(() => new Array(8).fill(1)),
    };
    await QdrantHistoryStore.open({ url, embedder: other });
    const local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    await local.add([rec()]);
    const sync = syncOf(local);
    sync.start();
    await eventually(() => events("qdrant_sync_stopped").length > 0);
    expect(events("qdrant_sync_stopped")[0]).toMatchObject({ level: "error", backlog: 1 });
    expect(String(events("qdrant_sync_stopped")[0]?.error)).toContain("another-model");
    const asked = standin.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(standin.requests.length).toBe(asked);
    expect(sync.active).toBe(false);
    await sync.stop();
    await local.close();
  });
});

describe("the agent's copy to Qdrant", () => {
  let edge: FakeEdge;
  beforeEach(async () => {
    edge = await startFakeEdge();
  });
  afterEach(() => edge.close());

  const agentWith = (env?: Record<string, string>) =>
    startAgent({
      edgeUrl: edge.url,
      token: "agent-token-0123456789",
      name: "default",
      vms: [],
      dataDir: dir,
      log: log(),
      historySync: FAST,
      ...(env ? { env } : {}),
    });

  it("starts none without QDRANT_URL", async () => {
    const agent = agentWith({ MISTRAL_API_KEY: "mistral-key-0123" });
    await eventually(() => events("history_opened").length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await agent.stop();
    expect(logs.filter((l) => String(l.event).startsWith("qdrant_"))).toEqual([]);
    expect(standin.requests).toEqual([]);
  });

  it("with QDRANT_URL, sends the history already on disk and names the server without credentials", async () => {
    // Recent, so the agent's retention keeps them.
    const records = [1, 2, 3].map(() => rec({ timestamp: Date.now() / 1000 }));
    const local = SqliteHistoryStore.open(file(), vocabularyAnalyzer);
    await local.add(records);
    await local.close();
    const withCredentials = url.replace("http://", "http://admin:hunter22@");
    const agent = agentWith({ QDRANT_URL: url, QDRANT_API_KEY: "" });
    await eventually(() => points().size === 3);
    await agent.stop();
    expect(events("qdrant_sync_started")[0]).toMatchObject({ url, embedder: hashingEmbedder.name, backlog: 3 });
    expectOnceEach(records);

    logs = [];
    const again = agentWith({ QDRANT_URL: withCredentials, MISTRAL_API_KEY: "mistral-key-0123" });
    await eventually(() => events("qdrant_sync_started").length > 0);
    await again.stop();
    expect(events("qdrant_sync_started")[0]).toMatchObject({ url, embedder: "mistral-embed" });
    expect(JSON.stringify(logs)).not.toContain("hunter22");
  });
});
