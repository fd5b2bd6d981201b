import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgent } from "../agent.js";
import { createLogger } from "../log.js";
import { type FakeEdge, startFakeEdge } from "../testing/fake-edge.js";
import { eventually } from "../testing/job-harness.js";
import { startRetention } from "./retention.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import type { HistoryStore } from "./store.js";
import { rec } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

const DAY = 86_400;
const NOW_S = 1_800_000_000;

let dir: string;
let logs: Record<string, unknown>[];
const log = () => createLogger({ agent: "default", sink: (line) => logs.push(JSON.parse(line)) });
const events = (name: string) => logs.filter((l) => l.event === name);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tc-retention-"));
  logs = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function storeWith(ages: number[]): Promise<SqliteHistoryStore> {
  const store = SqliteHistoryStore.open(join(dir, "history.sqlite"), vocabularyAnalyzer);
  await store.add(ages.map((days) => rec({ timestamp: NOW_S - days * DAY })));
  return store;
}

describe("startRetention", () => {
  it("prunes at start, then at every interval, logging what it removed", async () => {
    const store = await storeWith([100, 91, 10, 1]);
    const retention = startRetention({
      store,
      maxAgeDays: 90,
      maxRecords: 1000,
      log: log(),
      intervalMs: 20,
      now: () => NOW_S * 1000,
    });
    await eventually(() => events("history_pruned").length === 1);
    expect(events("history_pruned")[0]).toMatchObject({ level: "info", removed: 2, max_age_days: 90 });
    expect(await store.count()).toBe(2);

    await store.add([rec({ timestamp: NOW_S - 200 * DAY })]);
    await eventually(() => events("history_pruned").length === 2);
    expect(events("history_pruned")[1]).toMatchObject({ removed: 1 });
    expect(await store.count()).toBe(2);
    await retention.stop();

    // Stopped: nothing more is pruned.
    await store.add([rec({ timestamp: NOW_S - 200 * DAY })]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await store.count()).toBe(3);
    expect(events("history_pruned")).toHaveLength(2);
    await store.close();
  });

  it("keeps the newest records up to the maximum count, and logs nothing when nothing goes", async () => {
    const store = await storeWith([5, 4, 3, 2, 1]);
    const retention = startRetention({ store, maxAgeDays: 0, maxRecords: 3, log: log(), intervalMs: 10 });
    await eventually(() => events("history_pruned").length === 1);
    expect(events("history_pruned")[0]).toMatchObject({ removed: 2, max_records: 3 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events("history_pruned")).toHaveLength(1);
    await retention.stop();
    expect(await store.count()).toBe(3);
    await store.close();
  });

  it("logs a failed prune and tries again, one at a time", async () => {
    let calls = 0;
    let inFlight = 0;
    let overlapped = false;
    const store = {
      prune: async () => {
        calls++;
        overlapped ||= inFlight > 0;
        inFlight++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        throw new Error("database is locked");
      },
    } as unknown as HistoryStore;
    const retention = startRetention({ store, maxAgeDays: 1, maxRecords: 0, log: log(), intervalMs: 5 });
    await eventually(() => calls >= 2);
    await retention.stop();
    expect(inFlight).toBe(0);
    expect(overlapped).toBe(false);
    expect(events("history_prune_failed")[0]).toMatchObject({ level: "warn", error: "database is locked" });
  });

  it("does nothing without limits", async () => {
    const store = { prune: async () => Promise.reject(new Error("not expected")) } as unknown as HistoryStore;
    await startRetention({ store, maxAgeDays: 0, maxRecords: 0, log: log(), intervalMs: 1 }).stop();
    expect(logs).toEqual([]);
  });
});

describe("the agent's retention", () => {
  let edge: FakeEdge;
  beforeEach(async () => {
    edge = await startFakeEdge();
  });
  afterEach(() => edge.close());

  it("prunes its history at start and on its interval, and stops with the agent", async () => {
    const now = Date.now() / 1000;
    const store = SqliteHistoryStore.open(join(dir, "history.sqlite"), vocabularyAnalyzer);
    await store.add([rec({ timestamp: now - 40 * DAY }), rec({ timestamp: now - 5 * DAY }), rec({ timestamp: now })]);
    await store.close();

    const agent = startAgent({
      edgeUrl: edge.url,
      token: "agent-token-0123456789",
      name: "default",
      vms: [],
      dataDir: dir,
      log: log(),
      historyRetention: { maxAgeDays: 30, maxRecords: 1, intervalMs: 20 },
    });
    await eventually(() => events("history_pruned").length > 0);
    await agent.stop();
    expect(events("history_pruned")[0]).toMatchObject({ removed: 2, max_age_days: 30, max_records: 1 });
    const after = SqliteHistoryStore.open(join(dir, "history.sqlite"), vocabularyAnalyzer);
    expect(await after.count()).toBe(1);
    await after.close();
    const stoppedAt = logs.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(logs.slice(stoppedAt)).toEqual([]);
  });
});
